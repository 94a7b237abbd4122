#!/usr/bin/env node
import { main } from "./program.js";

// Every write pilot makes is synchronous (SQLite, recordings, logs), so exiting here loses nothing.
main(process.argv).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
