/** A DICOM UID in a request, validated at the boundary so no request can smuggle a path into an archive file name. No Node imports. */
import { z } from 'zod';
import { UID_PATTERN } from '../archive/dicomUid.js';

export const uidSchema = z.string().max(64, 'a DICOM UID has at most 64 characters').regex(UID_PATTERN, 'not a DICOM UID');
