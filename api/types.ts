/** Hono's environment for every route: the Worker's bindings and the caller's tenant. */
export interface AppEnv {
  Bindings: Env;
  /** `errorStyle`: set on Firecrawl-compatible routes, whose clients read errors in Firecrawl's shape. */
  Variables: { tenant: string; errorStyle?: "firecrawl" };
}
