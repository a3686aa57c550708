/** Hono's environment for every route: the Worker's bindings and the caller's tenant. */
export interface AppEnv {
  Bindings: Env;
  Variables: { tenant: string };
}
