export { ConduitError, ErrorCode, type ErrorBody, type ErrorDetail } from './conduit-error';
export { formatPath, issuesToDetails, parseOrThrow, validationError } from './validation';
export { assertAcceptableInput, findInputProblem, inputProblemDetail, MAX_JSON_DEPTH } from './input-rules';
export { decodeCursor, encodeCursor, idCursor, positionCursor } from './cursor';
export { exitCleanlyOnSignals } from './shutdown';
export { deferred, type Deferred } from './deferred';
export { singleFlight } from './single-flight';
export { withTimeout } from './with-timeout';
export { firstOccurrences, perGroup, tickBatcher } from './tick-batcher';
