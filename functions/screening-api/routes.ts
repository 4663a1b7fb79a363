// What the CDK app needs to put this function behind an API Gateway HTTP API: the entry file, the handler
// export, and every route with the authorization it needs ("jwt": the Cognito user-pool authorizer; "none":
// the page and its files, which hold no data). Everything else answers 404 from the function itself, so
// a catch-all route is not needed. Bundle web/screening/ next to the handler (LIVING_REVIEW_WEB_DIR) and the
// protocols folder (LIVING_REVIEW_PROTOCOLS). Use the $default stage: routes are matched on the raw path.
import { fileURLToPath } from 'node:url';
import type { RouteSpec } from '../../shared/adapters/http/router.ts';
import { SCREENING_ROUTE_SPECS } from '../../shared/adapters/http/screening-api.ts';

export const SCREENING_API_ENTRY = fileURLToPath(new URL('./handler.ts', import.meta.url));
export const SCREENING_API_HANDLER = 'handler';
export const SCREENING_API_ROUTES: readonly RouteSpec[] = SCREENING_ROUTE_SPECS;
