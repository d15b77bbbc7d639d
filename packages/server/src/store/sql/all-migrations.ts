import { CORE_MIGRATIONS, type Migration } from './migrations.js';

/** Every feature's migrations, in version order. Features append their own list here. */
export const ALL_MIGRATIONS: readonly Migration[] = [...CORE_MIGRATIONS];
