/**
 * The few DOM helpers the screens use. Text is always set through textContent; names from cards
 * and IdPs also go through safeDisplayText and sit in a <bdi> so that a right-to-left name
 * cannot reorder the sentence around it. Nothing here ever assigns HTML.
 */
import { safeDisplayText } from '../ipc/display-text.js';

type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** A name from outside, made inert: sanitised, bounded, isolated for bidi, as text. */
export function nameNode(name: string, maxLength = 80): HTMLElement {
  const node = el('bdi', { class: 'name', dir: 'auto' });
  node.textContent = safeDisplayText(name, maxLength);
  return node;
}

export function button(
  label: string,
  onClick: () => void,
  attributes: Readonly<Record<string, string>> = {},
): HTMLButtonElement {
  const node = el('button', { type: 'button', ...attributes }, label);
  node.addEventListener('click', onClick);
  return node;
}
