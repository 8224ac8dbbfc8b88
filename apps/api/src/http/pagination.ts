import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** `?limit=&cursor=` as every list route takes them: default 50, at most 500. */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});

export class PageQuery extends createZodDto(paginationQuery) {}

export interface ListResponse<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * The response for a list fetched with `limit + 1` rows: the extra row only says there is more,
 * and the cursor names the last row shown.
 */
export function pageOf<T, V>(
  rows: T[],
  limit: number,
  present: (row: T) => V,
  cursorOf: (last: T) => string,
): ListResponse<V> {
  const page = rows.slice(0, limit);
  const more = rows.length > limit;
  return { data: page.map(present), next_cursor: more ? cursorOf(page[page.length - 1]) : null };
}
