import { describe, expect, it } from 'vitest';
import { isoWeekOf, parsePeriod, periodLabel, periodOf, shiftPeriod } from '../src/render/periods.js';

describe('date-page periods', () => {
  it('turns a day, an ISO week and a month into published-date windows (until exclusive)', () => {
    expect(parsePeriod('date', '2026-08-21')).toMatchObject({ since: '2026-08-21', until: '2026-08-22' });
    expect(parsePeriod('week', '2026-W34')).toMatchObject({ since: '2026-08-17', until: '2026-08-24' });
    expect(parsePeriod('month', '2026-02')).toMatchObject({ since: '2026-02-01', until: '2026-03-01' });
    expect(parsePeriod('month', '2026-12')).toMatchObject({ since: '2026-12-01', until: '2027-01-01' });
  });

  it('follows ISO 8601 weeks across year ends', () => {
    expect(isoWeekOf('2026-01-01')).toBe('2026-W01'); // a Thursday
    expect(isoWeekOf('2027-01-01')).toBe('2026-W53'); // a Friday: 2026 has 53 weeks
    expect(isoWeekOf('2024-12-30')).toBe('2025-W01');
    expect(parsePeriod('week', '2026-W53')).toMatchObject({ since: '2026-12-28', until: '2027-01-04' });
    expect(parsePeriod('week', '2025-W53')).toBeNull(); // 2025 has 52
  });

  it('refuses impossible values', () => {
    for (const [kind, value] of [['date', '2026-02-30'], ['date', '2026-8-1'], ['week', '2026-W00'], ['week', '2026-W7'], ['month', '2026-13'], ['month', '2026-00']] as const) {
      expect(parsePeriod(kind, value), `${kind}=${value}`).toBeNull();
    }
  });

  it('steps to the previous and next period', () => {
    expect(shiftPeriod(parsePeriod('date', '2026-03-01')!, -1).value).toBe('2026-02-28');
    expect(shiftPeriod(parsePeriod('week', '2026-W01')!, -1).value).toBe('2025-W52');
    expect(shiftPeriod(parsePeriod('week', '2026-W53')!, 1).value).toBe('2027-W01');
    expect(shiftPeriod(parsePeriod('month', '2026-01')!, -1).value).toBe('2025-12');
    expect(shiftPeriod(parsePeriod('month', '2026-12')!, 1).value).toBe('2027-01');
    expect(periodOf('week', '2026-08-21').value).toBe('2026-W34');
  });

  it('labels periods for headings', () => {
    expect(periodLabel(parsePeriod('date', '2026-08-21')!)).toBe('Friday, 21 August 2026');
    expect(periodLabel(parsePeriod('week', '2026-W34')!)).toBe('Week 34 of 2026 (17–23 August)');
    expect(periodLabel(parsePeriod('week', '2026-W35')!)).toBe('Week 35 of 2026 (24–30 August)');
    expect(periodLabel(parsePeriod('week', '2026-W31')!)).toBe('Week 31 of 2026 (27 July – 2 August)');
    expect(periodLabel(parsePeriod('month', '2026-08')!)).toBe('August 2026');
  });
});
