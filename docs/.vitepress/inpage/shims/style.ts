/** lab/cli/style.ts for the page: no colours (outputs are compared with the captured, uncoloured ones). */
const plain = (text: string): string => text;
export const colours = false;
export const bold = plain;
export const dim = plain;
export const red = plain;
export const green = plain;
export const yellow = plain;
export const cyan = plain;
export const magenta = plain;
