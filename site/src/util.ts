// Small helpers shared by the page's figures.

/** Milliseconds, to a sensible number of digits. @example `ms(0.01234) // '0.012 ms'` */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3)} ms`;
}

/** Bytes in B, KiB or MiB. @example `bytes(65536) // '64 KiB'` */
export function bytes(v: number): string {
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${Number((v / 1024).toFixed(1))} KiB`;
  return `${Number((v / 1024 / 1024).toFixed(2))} MiB`;
}

/** A table row of cells (text only, so nothing is parsed as HTML). The first cell is a row header. */
export function row(cells: readonly (string | number)[], header = true): HTMLTableRowElement {
  const tr = document.createElement('tr');
  cells.forEach((c, i) => {
    const td = document.createElement(i === 0 && header ? 'th' : 'td');
    if (i === 0 && header) td.setAttribute('scope', 'row');
    td.textContent = String(c);
    tr.append(td);
  });
  return tr;
}

/** Let the browser paint (and the reader see "measuring…") before a long synchronous computation. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 16));
}

/** Disable a button while `work` runs, and report an error in `status` rather than leaving a broken figure. */
export async function busy(button: HTMLButtonElement, status: HTMLElement, work: () => Promise<void> | void): Promise<void> {
  button.disabled = true;
  try {
    await work();
  } catch (e) {
    status.textContent = `Something went wrong: ${e instanceof Error ? e.message : String(e)}`;
    console.error(e);
  } finally {
    button.disabled = false;
  }
}
