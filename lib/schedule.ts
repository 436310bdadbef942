/**
 * When the collector runs, and the period its "no successful run" alarm reasons in.
 *
 * EventBridge takes a rate or a cron expression; the alarm needs a period. A rate carries its
 * own period; a cron expression does not (it may fire at irregular times), so a cron schedule
 * is always paired with the period the user means. Nothing here does I/O.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';

/** A collector schedule: the EventBridge expression and the period between two runs. */
export class CollectorSchedule {
  /** Runs every `interval` (whole minutes, hours or days). */
  public static rate(interval: Duration): CollectorSchedule {
    return new CollectorSchedule(events.Schedule.rate(interval), interval);
  }

  /**
   * Runs on a cron schedule.
   * @param options the cron fields, as for `events.Schedule.cron`.
   * @param period the longest time between two runs; the alarms count runs in periods of this length.
   */
  public static cron(options: events.CronOptions, period: Duration): CollectorSchedule {
    return new CollectorSchedule(events.Schedule.cron(options), period);
  }

  private constructor(
    /** What the EventBridge rule runs on. */
    public readonly expression: events.Schedule,
    /** The time between two runs. */
    public readonly period: Duration,
  ) {}
}

/** How many consecutive periods without a successful run raise the "no successful run" alarm. */
export const NO_SUCCESS_EVALUATION_PERIODS = 3;

/** CloudWatch: period × evaluation periods may not exceed one day. */
const MAX_ALARM_RANGE = Duration.days(1);

/** CloudWatch alarm periods are 10 s, 30 s or a whole number of minutes. */
const SHORT_ALARM_PERIODS_SECONDS = [10, 30];

/**
 * Checks that a schedule period can be an alarm period watched over
 * {@link NO_SUCCESS_EVALUATION_PERIODS} periods.
 * @returns what is wrong, or `undefined` when CloudWatch accepts it.
 */
export function alarmPeriodProblem(period: Duration): string | undefined {
  const seconds = period.toSeconds({ integral: false });
  const allowed = SHORT_ALARM_PERIODS_SECONDS.includes(seconds) || (seconds > 0 && seconds % 60 === 0);
  if (!allowed) {
    return `gives an alarm period of ${seconds} seconds; CloudWatch accepts 10, 30 or a multiple of 60 seconds`;
  }
  const longest = MAX_ALARM_RANGE.toSeconds() / NO_SUCCESS_EVALUATION_PERIODS;
  if (seconds > longest) {
    return (
      `gives a period of ${period.toHumanString()}; the "no successful run" alarm watches ` +
      `${NO_SUCCESS_EVALUATION_PERIODS} periods and CloudWatch limits an alarm to 1 day, ` +
      `so the period can be at most ${Duration.seconds(longest).toHumanString()}`
    );
  }
  return undefined;
}

/** The second rule's longest period: `cost.daily` is a day's cost, so a longer period would leave days unsent. */
const MAX_COST_EXPLORER_PERIOD = Duration.days(1);

/**
 * Checks the second rule's period (`costExplorerSchedule`), which no CloudWatch alarm watches (its
 * runs are too rare for one: the generated Datadog monitor counts them instead).
 * @returns what is wrong, or `undefined` when it is usable.
 */
export function costExplorerPeriodProblem(period: Duration): string | undefined {
  const seconds = period.toSeconds({ integral: false });
  if (seconds <= 0 || seconds % 60 !== 0) {
    return `gives a period of ${seconds} seconds; give a whole number of minutes`;
  }
  if (seconds > MAX_COST_EXPLORER_PERIOD.toSeconds()) {
    return (
      `gives a period of ${period.toHumanString()}; run it at least once a day, ` +
      'or the days between two runs never get their daily cost'
    );
  }
  return undefined;
}

/** A schedule expression, read but not yet turned into a {@link CollectorSchedule}. */
export type ParsedScheduleExpression =
  | { readonly kind: 'rate'; readonly interval: Duration }
  | { readonly kind: 'cron'; readonly options: events.CronOptions }
  | { readonly kind: 'invalid'; readonly problem: string };

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const CRON = /^cron\((.*)\)$/;
const RATE_UNITS: Record<string, (amount: number) => Duration> = {
  minute: Duration.minutes,
  hour: Duration.hours,
  day: Duration.days,
};

/**
 * Reads an EventBridge schedule expression: `rate(<n> minute(s)|hour(s)|day(s))` or
 * `cron(<minute> <hour> <day-of-month> <month> <day-of-week> <year>)`.
 */
export function parseScheduleExpression(text: string): ParsedScheduleExpression {
  const expression = text.trim();
  const rate = RATE.exec(expression);
  if (rate !== null) {
    const amount = Number(rate[1]);
    if (amount < 1) return { kind: 'invalid', problem: 'must be a rate of at least 1' };
    const unit = rate[2].replace(/s$/, '');
    return { kind: 'rate', interval: RATE_UNITS[unit](amount) };
  }
  const cron = CRON.exec(expression);
  if (cron !== null) return parseCronFields(cron[1]);
  return {
    kind: 'invalid',
    problem: 'must be a rate or cron expression, such as rate(1 hour), rate(30 minutes) ' + 'or cron(15 */2 * * ? *)',
  };
}

function parseCronFields(fieldsText: string): ParsedScheduleExpression {
  const fields = fieldsText.trim().split(/\s+/);
  if (fields.length !== 6) {
    return {
      kind: 'invalid',
      problem: 'must have six cron fields: minute hour day-of-month month day-of-week year, ' + 'such as cron(15 */2 * * ? *)',
    };
  }
  const [minute, hour, day, month, weekDay, year] = fields;
  // EventBridge wants exactly one of day-of-month and day-of-week to be "?"; the CDK's cron
  // options express that by leaving the other one out.
  if ((day === '?') === (weekDay === '?')) {
    return {
      kind: 'invalid',
      problem: 'must have "?" in exactly one of day-of-month and day-of-week, such as cron(0 8 * * ? *)',
    };
  }
  return {
    kind: 'cron',
    options: {
      minute,
      hour,
      month,
      year,
      ...(day === '?' ? { weekDay } : { day }),
    },
  };
}
