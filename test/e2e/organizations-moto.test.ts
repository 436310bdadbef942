/**
 * The organization contract (test/support/organization-contract.ts) against moto, the emulator
 * written by others: what the project's fake AWS answers for Organizations, STS and per-account
 * Budgets is what moto answers too, wherever moto implements it.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { startMoto, type MotoServer } from '../support/moto-server';
import { organizationContract, type SeededOrganization } from '../support/organization-contract';
import { seedOrganization } from './support/organization-seed';

let moto: MotoServer;
let seeded: SeededOrganization;

beforeAll(async () => {
  moto = await startMoto();
  seeded = await seedOrganization(moto.endpoint);
});
afterAll(async () => {
  await moto?.stop();
});

describe('the organization contract, against moto', () => {
  organizationContract(() => seeded);
});
