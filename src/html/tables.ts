/// <reference lib="dom" />
/**
 * Sortable tables. Cells are formatted by the terminal's own code
 * (formatRowCell in src/renderers/dataset.ts), so `?`, `≥`, `1.2M` and `$0.0123`
 * read the same here as in `usage report`. Sorting uses the raw JSON values.
 */
import { type Dataset, type DatasetColumn, formatRowCell, isNumeric, listShownColumns, type Row } from '../renderers/dataset.js';
import { createElement } from './dom.js';

/** Raw values order numbers before text; null (an unknown cost, a missing rate) sorts last either way. */
function compareValues(left: unknown, right: unknown): number {
  const leftMissing = left === null || left === undefined;
  const rightMissing = right === null || right === undefined;
  if (leftMissing || rightMissing) return leftMissing === rightMissing ? 0 : leftMissing ? 1 : -1;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  return String(left).localeCompare(String(right));
}

function createRow(row: Row, columns: readonly DatasetColumn[], cellTag: 'td' | 'th' = 'td'): HTMLTableRowElement {
  return createElement(
    'tr',
    {},
    columns.map((column) =>
      createElement(cellTag === 'th' ? 'th' : 'td', { class: isNumeric(column.kind) ? 'number' : 'text', ...(cellTag === 'th' ? { scope: 'row' } : {}) }, [
        formatRowCell(row, column),
      ]),
    ),
  );
}

/** A table whose headers sort the body rows (click or Enter/Space); the footer (totals) stays put. */
export function createSortableTable(dataset: Dataset): HTMLElement {
  const columns = listShownColumns(dataset);
  const body = createElement('tbody');
  let rows = [...dataset.rows];
  const fill = (): void => {
    body.replaceChildren(...rows.map((row) => createRow(row, columns)));
  };
  fill();
  const headers = columns.map((column) => {
    const button = createElement('button', { type: 'button' }, [column.header]);
    const header = createElement('th', { scope: 'col', class: isNumeric(column.kind) ? 'number' : 'text', 'aria-sort': 'none' }, [button]);
    button.addEventListener('click', () => {
      // Numbers start largest first (the question is usually "what costs most"); text starts A→Z.
      const current = header.getAttribute('aria-sort');
      const ascending = current === 'none' ? !isNumeric(column.kind) : current === 'descending';
      for (const other of headerCells) other.setAttribute('aria-sort', 'none');
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      rows = [...dataset.rows].sort((a, b) => {
        const order = compareValues(a[column.key], b[column.key]);
        // Keep unknowns last in both directions: they are not "smallest".
        const aMissing = a[column.key] === null || a[column.key] === undefined;
        const bMissing = b[column.key] === null || b[column.key] === undefined;
        if (aMissing || bMissing) return order;
        return ascending ? order : -order;
      });
      fill();
    });
    return header;
  });
  const headerCells = headers;
  const table = createElement('table', { 'data-table': dataset.name }, [
    createElement('thead', {}, [createElement('tr', {}, headers)]),
    body,
    dataset.footer?.length ? createElement('tfoot', {}, dataset.footer.map((row) => createRow(row, columns))) : null,
  ]);
  return createElement('div', { class: 'table-wrap' }, [
    dataset.title ? createElement('h3', {}, [dataset.title]) : null,
    table,
  ]);
}
