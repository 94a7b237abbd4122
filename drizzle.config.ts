import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes a new migration into migrations/ after a schema change.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/store/schema.ts",
  out: "./migrations",
});
