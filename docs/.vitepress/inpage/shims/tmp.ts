/** `tmp` for the page: fengari (ioredis-mock's Lua VM) needs it only for Lua's os.tmpname. */
export function tmpNameSync(): string {
  return `/tmp/lua_${Math.random().toString(36).slice(2)}`;
}
export default { tmpNameSync };
