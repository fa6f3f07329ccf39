/// <reference lib="dom" />
/**
 * DOM helpers for the HTML report. Every piece of text goes in through
 * textContent (or a text node), never innerHTML: names come from logs, and a
 * model called `<img src=x onerror=alert(1)>` must show as those characters.
 */

export type Child = Node | string | null | undefined | false;

export function createElement<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: Record<string, string> = {},
  children: readonly Child[] = [],
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  appendChildren(element, children);
  return element;
}

export function appendChildren(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** A section with a heading; `id` lets the table of contents and the tests find it. */
export function createSection(id: string, title: string, children: readonly Child[] = []): HTMLElement {
  return createElement('section', { id, 'aria-labelledby': `${id}-title` }, [createElement('h2', { id: `${id}-title` }, [title]), ...children]);
}

/** A CSS custom property of the page, as the current colour scheme resolves it. */
export function readCssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
