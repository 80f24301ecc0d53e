/**
 * The store's StoreBackend contract suite, run against the SQLite backend inside a real
 * Durable Object (workerd SQLite): the same suite the in-memory backend passes.
 */
import { runInDurableObject } from "cloudflare:test";
import { SqlStoreBackend } from "../../src/member/sql-store-backend.js";
import { schema } from "../../src/member/schema.js";
import { runBackendContract } from "../store/backend-contract.js";
import { testEnv } from "./helpers.js";

let sql: SqlStorage | null = null;

runBackendContract(
  "sqlite",
  () => {
    if (!sql) throw new Error("no SQL handle outside the Durable Object");
    for (const ddl of schema) sql.exec(ddl);
    for (const table of ["nodes", "history", "meta"]) sql.exec(`DELETE FROM ${table}`);
    return new SqlStoreBackend(sql);
  },
  (body) =>
    runInDurableObject(testEnv.MEMBER.getByName("contract/sqlite"), (_instance, state) => {
      sql = state.storage.sql;
      try {
        body();
      } finally {
        sql = null;
      }
    }),
);
