export {
  AttemptRepository,
  type AttemptCompletion,
  type AttemptStartRow,
  type FailedCallsRow,
} from './attempt.repository';
export { BatchRepository, type DispatchCursor } from './batch.repository';
export { ItemRepository, type ClaimedItem, type ItemOutcome, type Lease } from './item.repository';
