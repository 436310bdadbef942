/**
 * What started a run, which decides the sources it reads. The schedule's rule sends EventBridge's
 * scheduled event, which names no trigger: such a run, like one invoked by hand with `{}`, reads
 * the `schedule` sources. Sources that AWS bills per request (Cost Explorer) run on a second,
 * slower rule instead, which sends {@link triggerEvent}`('cost_explorer')`: the hourly run never
 * pays their requests, and a retried or repeated hourly run never pays them twice.
 */
import { ActionableError } from './errors';

export const TRIGGERS = ['schedule', 'cost_explorer'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** The event a rule sends to start a run of this trigger's sources. */
export function triggerEvent(trigger: Trigger): { readonly trigger: Trigger } {
  return { trigger };
}

/**
 * The trigger an invocation's event names: `schedule` when it names none.
 * @throws ActionableError when it names one this function does not know, rather than reading the
 * wrong sources.
 */
export function triggerOf(event: unknown): Trigger {
  if (typeof event !== 'object' || event === null || !('trigger' in event)) return 'schedule';
  const named = (event as { trigger: unknown }).trigger;
  const known = TRIGGERS.find((trigger) => trigger === named);
  if (known !== undefined) return known;
  throw new ActionableError("The invocation's event names a trigger this function does not know.", {
    fix: `Invoke it with no "trigger" (a scheduled run) or with one of ${TRIGGERS.map((trigger) => `"${trigger}"`).join(', ')}.`,
  });
}
