import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { alarmPeriodProblem, CollectorSchedule, parseScheduleExpression } from '../../lib/schedule';

describe('parseScheduleExpression', () => {
  it.each([
    ['rate(1 minute)', 'rate(1 minute)', 60],
    ['rate(5 minutes)', 'rate(5 minutes)', 300],
    ['rate(1 hour)', 'rate(1 hour)', 3600],
    ['rate(2 hours)', 'rate(2 hours)', 7200],
    ['rate(90 minutes)', 'rate(90 minutes)', 5400],
    [' rate( 1 day ) ', 'rate(1 day)', 86_400],
  ])('reads %j as the rate %j of %i seconds', (text, expression, seconds) => {
    const parsed = parseScheduleExpression(text);
    if (parsed.kind !== 'rate') throw new Error(`expected a rate, got ${JSON.stringify(parsed)}`);
    const schedule = CollectorSchedule.rate(parsed.interval);
    expect(schedule.expression.expressionString).toBe(expression);
    expect(schedule.period.toSeconds()).toBe(seconds);
  });

  it.each(['cron(15 */2 * * ? *)', 'cron(0 8 ? * MON-FRI *)', 'cron(0 6 1 * ? 2030)', 'cron(0/30 * * * ? *)'])(
    'reads the cron expression %j and writes it back unchanged',
    (text) => {
      const parsed = parseScheduleExpression(text);
      if (parsed.kind !== 'cron') throw new Error(`expected a cron, got ${JSON.stringify(parsed)}`);
      expect(CollectorSchedule.cron(parsed.options, Duration.hours(1)).expression.expressionString).toBe(text);
    },
  );

  it.each(['rate(1 week)', 'rate(-1 hours)', 'rate(1.5 hours)', 'every hour', 'cron(0 8 * * ? * *)', 'cron(0 8 ? * ? *)'])(
    'rejects %j',
    (text) => {
      expect(parseScheduleExpression(text).kind).toBe('invalid');
    },
  );
});

describe('alarmPeriodProblem', () => {
  it.each([Duration.seconds(10), Duration.seconds(30), Duration.minutes(1), Duration.hours(1), Duration.hours(8)])(
    'accepts a period of %s',
    (period) => {
      expect(alarmPeriodProblem(period)).toBeUndefined();
    },
  );

  it('rejects a period CloudWatch cannot have', () => {
    expect(alarmPeriodProblem(Duration.seconds(45))).toBe(
      'gives an alarm period of 45 seconds; CloudWatch accepts 10, 30 or a multiple of 60 seconds',
    );
  });

  it('rejects a period whose three evaluation periods exceed one day', () => {
    expect(alarmPeriodProblem(Duration.minutes(481))).toMatch(/can be at most 8 hours$/);
  });
});
