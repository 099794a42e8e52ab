import { z } from 'zod';
import { SignedAmountSchema } from '../http/schemas.js';

// The members module's schemas that other modules' routes answer with too.

/** A change of a member's star rating (members' history, and the answer of a record's change). */
export const StarChangeSchema = z
  .object({
    id: z.uuid(),
    from: z.number().int(),
    to: z.number().int(),
    hours: SignedAmountSchema,
    cause: z.string(),
    recordId: z.uuid().nullable(),
    entryId: z.uuid().nullable(),
    changedAt: z.string(),
  })
  .meta({ id: 'StarChange' });
