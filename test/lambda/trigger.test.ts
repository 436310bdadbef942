import { describe, expect, it } from 'vitest';
import { ActionableError } from '../../lambda/errors';
import { TRIGGERS, triggerEvent, triggerOf } from '../../lambda/trigger';

describe('triggerOf', () => {
  it("reads EventBridge's scheduled event, and an empty or missing event, as the schedule's run", () => {
    const scheduled = { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
    expect(triggerOf(scheduled)).toBe('schedule');
    expect(triggerOf({})).toBe('schedule');
    expect(triggerOf(undefined)).toBe('schedule');
    expect(triggerOf(null)).toBe('schedule');
  });

  it('reads back the event each rule sends', () => {
    for (const trigger of TRIGGERS) expect(triggerOf(triggerEvent(trigger))).toBe(trigger);
  });

  it('refuses a trigger it does not know, naming the ones it knows, rather than reading the wrong sources', () => {
    expect(() => triggerOf({ trigger: 'hourly' })).toThrow(ActionableError);
    expect(() => triggerOf({ trigger: 'hourly' })).toThrow('"schedule", "cost_explorer"');
  });
});
