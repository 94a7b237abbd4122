import { toExecutionObject } from "../../contracts/execution.js";
import { closeDb } from "../../store/db.js";
import { getExecution } from "../../store/executions.js";
import { loadContext, openStore, type GlobalOptions } from "../context.js";
import { formatSummary } from "../format.js";

export async function showCommand(id: string, options: GlobalOptions & { json?: boolean }): Promise<number> {
  const ctx = await loadContext(options);
  const db = openStore(ctx);
  try {
    const { row, models } = await getExecution(db, id);
    const execution = toExecutionObject(row, models);
    process.stdout.write(options.json ? `${JSON.stringify(execution, null, 2)}\n` : `${formatSummary(execution)}\n`);
    return 0;
  } finally {
    closeDb(db);
  }
}
