import { loadPriceTable } from "../src/telemetry/pricing.js";

// The price table loads asynchronously in pilot (so a run can start its CLI first); tests
// that build a PriceBook directly need it loaded up front.
await loadPriceTable();
