import { toExecutionObject } from "../../contracts/execution.js";
import { closeDb } from "../../store/db.js";
import { listExecutions } from "../../store/executions.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { formatTable } from "../format.js";

export async function executionsCommand(options: GlobalOptions & { limit?: number; json?: boolean }): Promise<number> {
  const ctx = await loadContext(options);
  const db = openStore(ctx);
  try {
    const rows = (await listExecutions(db, { limit: options.limit ?? 20 })).map(({ row, models }) => toExecutionObject(row, models));
    if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(rows.length === 0 ? "no executions yet (try: pilot run --sim --prompt \"say done\")\n" : `${formatTable(rows)}\n`);
    return 0;
  } finally {
    closeDb(db);
  }
}
