/** `url` for the page: the driver needs only URLSearchParams and domainToASCII, which the browser has. */
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
export function domainToASCII(name: string): string {
  try {
    return new globalThis.URL(`http://${name}`).hostname;
  } catch {
    return '';
  }
}
export default { URL, URLSearchParams, domainToASCII };
