import { describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../../lambda/accounts/account-tags';
import type { RawTag, Sample } from '../../../lambda/samples';

const directory = new AccountDirectory();
directory.add([{ id: '111111111111', name: 'management', tags: [] }]);
directory.add([{ id: '222222222222', name: 'Équipe données', tags: [['team', 'data']] }]);

const sample = (tags: readonly RawTag[]): Sample => ({ metric: 'estimatedCharges', value: 1, currency: 'USD', tags });

describe('AccountDirectory.tagged', () => {
  it.each<{ title: string; tags: RawTag[]; added: RawTag[] }>([
    {
      title: "a linked account's charges get the linked account's name and tags",
      tags: [
        ['account_id', '111111111111'],
        ['linkedaccount', '222222222222'],
      ],
      added: [
        ['account_name', 'Équipe données'],
        ['team', 'data'],
      ],
    },
    {
      title: "the account's own data gets its name",
      tags: [['account_id', '111111111111']],
      added: [['account_name', 'management']],
    },
    {
      title: 'a budget of a member gets the member’s name and tags',
      tags: [
        ['budget_name', 'x'],
        ['account_id', '222222222222'],
      ],
      added: [
        ['account_name', 'Équipe données'],
        ['team', 'data'],
      ],
    },
    {
      title: 'a linked account not in the list (closed since) gets nothing',
      tags: [
        ['account_id', '111111111111'],
        ['linkedaccount', '999999999999'],
      ],
      added: [],
    },
  ])('$title', ({ tags, added }) => {
    expect(directory.tagged([sample(tags)])[0].tags).toEqual([...tags, ...added]);
  });
});
