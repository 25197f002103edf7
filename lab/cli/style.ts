/** Terminal colours that switch themselves off for pipes, NO_COLOR and CI logs without FORCE_COLOR. */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

function colourEnabled(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return process.stdout?.isTTY === true;
}

const enabled = colourEnabled();

function paint(style: Style): (text: string) => string {
  return (text) => (enabled ? styleText(style, text) : text);
}

export const colours = enabled;
export const bold = paint('bold');
export const dim = paint('dim');
export const red = paint('red');
export const green = paint('green');
export const yellow = paint('yellow');
export const cyan = paint('cyan');
export const magenta = paint('magenta');
