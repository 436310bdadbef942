/**
 * The date ranges the Cost Explorer source asks for, from the time of the run: pure and without
 * the SDK, so that its calendar edges (the 1st, the last day of a month, 1 January, 29 February,
 * midnight UTC) are unit-tested on their own.
 *
 * Cost Explorer's days are UTC dates (`YYYY-MM-DD`), its start dates inclusive and its end dates
 * exclusive: [2028-02-01, 2028-03-01) is all of February. A range whose start equals its end is
 * refused (`ValidationException`), so an empty one is `undefined` here and is never asked for.
 */

/** A range as Cost Explorer's `DateInterval` takes it: `Start` inclusive, `End` exclusive, both UTC `YYYY-MM-DD`. */
export interface DateRange {
  readonly Start: string;
  readonly End: string;
}

/** The ranges of one run. */
export interface CostPeriods {
  /** The run's UTC date. */
  readonly today: string;
  /** [1st of this month, today): `undefined` on the 1st, when it is empty. */
  readonly monthToDate: DateRange | undefined;
  /** [yesterday, today): the last complete UTC day. */
  readonly lastDay: DateRange;
  /** [1st of last month, 1st of this month). */
  readonly lastMonth: DateRange;
  /**
   * [1st of last month, today): one MONTHLY query over it answers both `lastMonth` and
   * `monthToDate`, a period each (one request, where two would cost twice). On the 1st it is
   * `lastMonth` alone.
   */
  readonly lastMonthAndMonthToDate: DateRange;
  /** [today, 1st of next month): what `GetCostForecast` adds to month to date for the month's end; never empty. */
  readonly forecast: DateRange;
}

/** The UTC date of a day of a month; `Date.UTC` carries a day or month out of range into the next or previous one. */
function utcDate(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);
}

/** The ranges Cost Explorer is asked for in a run at `now`, in UTC whatever the machine's time zone. */
export function costPeriods(now: Date): CostPeriods {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const day = now.getUTCDate();
  const today = utcDate(year, month, day);
  const thisMonth = utcDate(year, month, 1);
  const lastMonthStart = utcDate(year, month - 1, 1);
  return {
    today,
    monthToDate: day === 1 ? undefined : { Start: thisMonth, End: today },
    lastDay: { Start: utcDate(year, month, day - 1), End: today },
    lastMonth: { Start: lastMonthStart, End: thisMonth },
    lastMonthAndMonthToDate: { Start: lastMonthStart, End: today },
    forecast: { Start: today, End: utcDate(year, month + 1, 1) },
  };
}
