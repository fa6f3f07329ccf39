import { describe, expect, it } from 'vitest';
import { drawBar, drawSparkline, renderBarChart, renderSparkline } from '../src/renderers/chart.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape sequences is the point.
const ANSI = /\u001b\[/;

describe('drawBar', () => {
  it('scales to the largest value in eighths of a cell', () => {
    expect(drawBar(10, 10, 4)).toBe('████');
    // 5/10 of 4 cells = 2 cells.
    expect(drawBar(5, 10, 4)).toBe('██');
    // 1/10 of 4 cells = 0.4 cells = 3.2 eighths → 3 eighths: '▍'.
    expect(drawBar(1, 10, 4)).toBe('▍');
    // 3/8 of 1 cell is exactly 3 eighths.
    expect(drawBar(3, 8, 1)).toBe('▍');
  });

  it('shows any non-zero value as at least a sliver, and nothing for zero or less', () => {
    expect(drawBar(1, 1_000_000, 10)).toBe('▏');
    expect(drawBar(0, 10, 10)).toBe('');
    expect(drawBar(-5, 10, 10)).toBe('');
    expect(drawBar(5, 0, 10)).toBe('');
  });
});

describe('drawSparkline', () => {
  it('maps values to eight heights with zero as a blank', () => {
    // Levels are ceil(value / max × 8): 8 → 8 (█), 4 → 4 (▄), 1 → 1 (▁), 0 → blank.
    expect(drawSparkline([8, 4, 1, 0])).toBe('█▄▁ ');
    expect(drawSparkline([0, 0])).toBe('  ');
    expect(drawSparkline([])).toBe('');
  });
});

describe('renderBarChart', () => {
  const bars = [
    { label: '2026-11-01', value: 2, text: '$2.00' },
    { label: '2026-11-02', value: 4, text: '$4.00' },
  ];

  it('fits the given width and uses no colour unless asked', () => {
    const text = renderBarChart(bars, { color: false, width: 40 }, 'Daily cost');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('Daily cost');
    // Width 40 − label 10 − text 5 − 3 spaces = 22 cells for the largest bar.
    expect(lines[2]).toBe(`2026-11-02 ${'█'.repeat(22)} $4.00`);
    expect(lines[1]).toBe(`2026-11-01 ${'█'.repeat(11)}${' '.repeat(11)} $2.00`);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(40);
    expect(text).not.toMatch(ANSI);
  });

  it('colours when allowed and keeps a readable width when piped', () => {
    expect(renderBarChart(bars, { color: true, width: 80 })).toMatch(ANSI);
    const piped = renderBarChart(bars, { color: false, width: Number.POSITIVE_INFINITY });
    // Piped output falls back to 80 columns, capped at 60 cells per bar.
    expect(piped.split('\n')[1]).toContain('█'.repeat(60));
  });

  it('shows control sequences in labels as inert, visible text', () => {
    const text = renderBarChart([{ label: 'evil\u001b]0;title\u0007', value: 1, text: '1' }], { color: false, width: 40 });
    expect(text.includes('\u001b')).toBe(false);
    expect(text.startsWith('evil\\u001B]0;title\\u0007 ')).toBe(true);
  });
});

describe('renderSparkline', () => {
  it('wraps to the terminal width', () => {
    const text = renderSparkline([1, 2, 3, 4, 5], { color: false, width: 2 });
    expect(text).toBe('▂▄\n▅▇\n█\n');
  });
});
