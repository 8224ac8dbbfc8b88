import { z } from 'zod';

/** `?limit=&cursor=` as API.md defines them: default 50, at most 500. */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});

export interface ListResponse<T> {
  data: T[];
  next_cursor: string | null;
}
