/**
 * Values shared by the OpenAPI document's examples. The examples sit beside the presenters whose
 * output they show, checked against it with `satisfies ReturnType<typeof present…>`.
 */
export const EXAMPLE_ID = '0b6a3c52-58a1-4c77-9f0e-8a4c2f1d9e11';
export const EXAMPLE_TIME = '2026-01-15T10:00:00.000Z';

/** A page of a list holding one row, as `pageOf` answers. */
export const pageExample = <T>(row: T) => ({ data: [row], next_cursor: null });
