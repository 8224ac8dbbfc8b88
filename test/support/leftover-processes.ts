import { killLeftoverProcesses } from './app-process';

// After every e2e file: no process it started outlives it (see `killLeftoverProcesses`).
afterAll(killLeftoverProcesses);
