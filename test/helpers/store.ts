import { existsSync } from "node:fs";
import { join } from "node:path";
import { closeDb, openDb } from "../../src/store/db.js";
import { getExecution, type ExecutionWithModels } from "../../src/store/executions.js";

/** The stored row and per-model rows of an execution, read straight from the database. */
export async function storedExecution(home: string, id: string): Promise<ExecutionWithModels> {
  const db = openDb(join(home, "data", "pilot.db"));
  try {
    return await getExecution(db, id);
  } finally {
    closeDb(db);
  }
}

export function databaseExists(home: string): boolean {
  return existsSync(join(home, "data", "pilot.db"));
}
