import { afterEach, describe, expect, it } from 'vitest';
import { costPeriods, type CostPeriods } from '../../../lambda/sources/cost-periods';

const range = (Start: string, End: string) => ({ Start, End });

describe('costPeriods', () => {
  it.each<[string, string, CostPeriods]>([
    [
      'the middle of a month',
      '2026-03-15T12:00:00Z',
      {
        today: '2026-03-15',
        monthToDate: range('2026-03-01', '2026-03-15'),
        lastDay: range('2026-03-14', '2026-03-15'),
        lastMonth: range('2026-02-01', '2026-03-01'),
        lastMonthAndMonthToDate: range('2026-02-01', '2026-03-15'),
        forecast: range('2026-03-15', '2026-04-01'),
      },
    ],
    [
      'the 1st of a month: no month to date, and the merged query is last month alone',
      '2026-03-01T00:00:00Z',
      {
        today: '2026-03-01',
        monthToDate: undefined,
        lastDay: range('2026-02-28', '2026-03-01'),
        lastMonth: range('2026-02-01', '2026-03-01'),
        lastMonthAndMonthToDate: range('2026-02-01', '2026-03-01'),
        forecast: range('2026-03-01', '2026-04-01'),
      },
    ],
    [
      'the 2nd of a month: a month to date of one day',
      '2026-03-02T08:00:00Z',
      {
        today: '2026-03-02',
        monthToDate: range('2026-03-01', '2026-03-02'),
        lastDay: range('2026-03-01', '2026-03-02'),
        lastMonth: range('2026-02-01', '2026-03-01'),
        lastMonthAndMonthToDate: range('2026-02-01', '2026-03-02'),
        forecast: range('2026-03-02', '2026-04-01'),
      },
    ],
    [
      'the last day of a month: a forecast of one day',
      '2026-04-30T18:00:00Z',
      {
        today: '2026-04-30',
        monthToDate: range('2026-04-01', '2026-04-30'),
        lastDay: range('2026-04-29', '2026-04-30'),
        lastMonth: range('2026-03-01', '2026-04-01'),
        lastMonthAndMonthToDate: range('2026-03-01', '2026-04-30'),
        forecast: range('2026-04-30', '2026-05-01'),
      },
    ],
    [
      '1 January: last month and yesterday are in the previous year',
      '2027-01-01T06:00:00Z',
      {
        today: '2027-01-01',
        monthToDate: undefined,
        lastDay: range('2026-12-31', '2027-01-01'),
        lastMonth: range('2026-12-01', '2027-01-01'),
        lastMonthAndMonthToDate: range('2026-12-01', '2027-01-01'),
        forecast: range('2027-01-01', '2027-02-01'),
      },
    ],
    [
      '31 December: the forecast ends on 1 January of the next year',
      '2026-12-31T10:00:00Z',
      {
        today: '2026-12-31',
        monthToDate: range('2026-12-01', '2026-12-31'),
        lastDay: range('2026-12-30', '2026-12-31'),
        lastMonth: range('2026-11-01', '2026-12-01'),
        lastMonthAndMonthToDate: range('2026-11-01', '2026-12-31'),
        forecast: range('2026-12-31', '2027-01-01'),
      },
    ],
    [
      '29 February of a leap year',
      '2028-02-29T09:00:00Z',
      {
        today: '2028-02-29',
        monthToDate: range('2028-02-01', '2028-02-29'),
        lastDay: range('2028-02-28', '2028-02-29'),
        lastMonth: range('2028-01-01', '2028-02-01'),
        lastMonthAndMonthToDate: range('2028-01-01', '2028-02-29'),
        forecast: range('2028-02-29', '2028-03-01'),
      },
    ],
    [
      '1 March of a leap year: yesterday is 29 February',
      '2028-03-01T03:00:00Z',
      {
        today: '2028-03-01',
        monthToDate: undefined,
        lastDay: range('2028-02-29', '2028-03-01'),
        lastMonth: range('2028-02-01', '2028-03-01'),
        lastMonthAndMonthToDate: range('2028-02-01', '2028-03-01'),
        forecast: range('2028-03-01', '2028-04-01'),
      },
    ],
    [
      'a millisecond before midnight UTC: still that day',
      '2026-05-31T23:59:59.999Z',
      {
        today: '2026-05-31',
        monthToDate: range('2026-05-01', '2026-05-31'),
        lastDay: range('2026-05-30', '2026-05-31'),
        lastMonth: range('2026-04-01', '2026-05-01'),
        lastMonthAndMonthToDate: range('2026-04-01', '2026-05-31'),
        forecast: range('2026-05-31', '2026-06-01'),
      },
    ],
    [
      'midnight UTC: the next day, a new month',
      '2026-06-01T00:00:00.000Z',
      {
        today: '2026-06-01',
        monthToDate: undefined,
        lastDay: range('2026-05-31', '2026-06-01'),
        lastMonth: range('2026-05-01', '2026-06-01'),
        lastMonthAndMonthToDate: range('2026-05-01', '2026-06-01'),
        forecast: range('2026-06-01', '2026-07-01'),
      },
    ],
    [
      'a time written with another offset: its UTC date counts (01:30 at +02:00 is 23:30 UTC the day before)',
      '2026-06-01T01:30:00+02:00',
      {
        today: '2026-05-31',
        monthToDate: range('2026-05-01', '2026-05-31'),
        lastDay: range('2026-05-30', '2026-05-31'),
        lastMonth: range('2026-04-01', '2026-05-01'),
        lastMonthAndMonthToDate: range('2026-04-01', '2026-05-31'),
        forecast: range('2026-05-31', '2026-06-01'),
      },
    ],
  ])('on %s (%s)', (_case, now, expected) => {
    expect(costPeriods(new Date(now))).toEqual(expected);
  });

  describe('in any time zone of the machine', () => {
    const zone = process.env.TZ;
    afterEach(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });

    // UTC+14 and UTC-11: at 23:30 UTC on the last day of May, local time is already June in the
    // first and still the 31st in the second; only UTC dates give the same ranges in both.
    it.each(['Pacific/Kiritimati', 'Pacific/Pago_Pago'])('gives the UTC ranges in %s', (timeZone) => {
      const now = new Date('2026-05-31T23:30:00Z');
      const utc = costPeriods(now);
      process.env.TZ = timeZone;

      expect(costPeriods(now)).toEqual(utc);
      expect(utc.today).toBe('2026-05-31');
    });
  });

  it('holds its shape at every hour of two years, a leap year among them', () => {
    const start = Date.UTC(2027, 0, 1);
    const isDate = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
    for (let at = start; at < Date.UTC(2029, 0, 1); at += 3_600_000) {
      const periods = costPeriods(new Date(at));
      const ranges = [periods.lastDay, periods.lastMonth, periods.lastMonthAndMonthToDate, periods.forecast];
      if (periods.monthToDate !== undefined) ranges.push(periods.monthToDate);

      for (const { Start, End } of ranges) {
        // Cost Explorer refuses a range that is empty or whose dates do not exist.
        if (!(isDate(Start) && isDate(End) && Start < End))
          throw new Error(`an invalid range ${Start}..${End} at ${new Date(at).toISOString()}`);
      }
      const pieces = [
        periods.lastDay.End === periods.today,
        periods.forecast.Start === periods.today,
        periods.lastMonthAndMonthToDate.Start === periods.lastMonth.Start,
        periods.lastMonthAndMonthToDate.End === periods.today,
        // Month to date starts where last month ends, and is absent exactly on the 1st.
        (periods.monthToDate === undefined) === periods.today.endsWith('-01'),
        periods.monthToDate === undefined || periods.monthToDate.Start === periods.lastMonth.End,
        periods.forecast.End.endsWith('-01') && periods.lastMonth.Start.endsWith('-01'),
      ];
      if (pieces.includes(false)) throw new Error(`the ranges at ${new Date(at).toISOString()} do not fit: ${JSON.stringify(periods)}`);
    }
  });
});
