// Admin routes that remove a merchant or a service from Google (docs/ADMIN-API.md, "Removing
// merchants and services"): deactivate with a dry run first, and activate again. Managers only.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FUTURE_BOOKINGS_CHOICES, type PurgePlan, type RemovalPlan, type RemovalService, type RemovalTarget } from '../removal/service.js';
import { assertManager, assertRoot } from './principal.js';
import { principalOf } from './request.js';

const MerchantParams = Type.Object({ merchantId: Type.String({ minLength: 1, maxLength: 100 }) });
const ServiceParams = Type.Object({ merchantId: Type.String({ minLength: 1, maxLength: 100 }), serviceId: Type.String({ minLength: 1, maxLength: 100 }) });
const DeactivateBody = Type.Object(
  {
    dry_run: Type.Optional(Type.Boolean({ description: 'true: answer what would happen, change nothing' })),
    future_bookings: Type.Optional(
      Type.Union(
        FUTURE_BOOKINGS_CHOICES.map((c) => Type.Literal(c)),
        {
          description:
            'bookings still ahead: refuse (default: the deactivation is refused while any is held), cancel (each cancelled, Google told), keep (honoured)',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const PurgeBody = Type.Object(
  { dry_run: Type.Optional(Type.Boolean({ description: 'true: answer what would be deleted, delete nothing' })) },
  { additionalProperties: false },
);

function purgeJson(plan: PurgePlan, dryRun: boolean) {
  return {
    dry_run: dryRun,
    merchant_id: plan.merchantId,
    service_id: plan.serviceId,
    deleted: !dryRun,
    refused: plan.refusal,
    rows: plan.rows,
    google: 'left the feeds at its deactivation: the next complete feeds drop it; its bookings ahead were cancelled and every update about it delivered first',
  };
}

function planJson(plan: RemovalPlan, dryRun: boolean) {
  return {
    dry_run: dryRun,
    merchant_id: plan.merchantId,
    service_id: plan.serviceId,
    already_deactivated: plan.alreadyDeactivated,
    deactivated: !dryRun,
    refused: plan.refusal,
    feeds: 'leaves the next merchant, service and availability feeds',
    new_bookings_and_joins: 'refused',
    waitlist_entries: {
      action: 'cancel',
      entries: plan.waitlistEntries.map((e) => ({ id: e.id, service_id: e.serviceId, state: e.state, party_size: e.partySize })),
    },
    future_bookings: {
      action: plan.futureBookingsChoice,
      bookings: plan.futureBookings.map((b) => ({ id: b.id, service_id: b.serviceId, start_sec: b.startSec, party_size: b.partySize, status: b.status })),
    },
  };
}

export const removalAdminRoutes =
  (removal: RemovalService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('preValidation', async (request) => assertManager(principalOf(request)));
    // An empty POST is a deactivation with the defaults.
    const emptyBody = async (request: { body: unknown }) => {
      request.body ??= {};
    };

    const deactivate = async (target: RemovalTarget, body: { dry_run?: boolean; future_bookings?: (typeof FUTURE_BOOKINGS_CHOICES)[number] }) => {
      const choice = body.future_bookings ?? 'refuse';
      if (body.dry_run === true) return planJson(await removal.plan(target, choice), true);
      return planJson(await removal.deactivate(target, choice), false);
    };

    app.post('/merchants/:merchantId/deactivate', { preValidation: emptyBody, schema: { params: MerchantParams, body: DeactivateBody } }, async (request) =>
      deactivate({ merchantId: request.params.merchantId, serviceId: null }, request.body),
    );
    app.post(
      '/merchants/:merchantId/services/:serviceId/deactivate',
      { preValidation: emptyBody, schema: { params: ServiceParams, body: DeactivateBody } },
      async (request) => deactivate({ merchantId: request.params.merchantId, serviceId: request.params.serviceId }, request.body),
    );
    // Deleting for good (the bootstrap token): a dry run lists the rows per table first.
    const deleteForGood = async (target: RemovalTarget, body: { dry_run?: boolean }) => {
      if (body.dry_run === true) return purgeJson(await removal.planPurge(target), true);
      return purgeJson(await removal.purge(target), false);
    };
    app.post(
      '/merchants/:merchantId/delete',
      { preValidation: [async (request) => assertRoot(principalOf(request)), emptyBody], schema: { params: MerchantParams, body: PurgeBody } },
      async (request) => deleteForGood({ merchantId: request.params.merchantId, serviceId: null }, request.body),
    );
    app.post(
      '/merchants/:merchantId/services/:serviceId/delete',
      { preValidation: [async (request) => assertRoot(principalOf(request)), emptyBody], schema: { params: ServiceParams, body: PurgeBody } },
      async (request) => deleteForGood({ merchantId: request.params.merchantId, serviceId: request.params.serviceId }, request.body),
    );
    app.post('/merchants/:merchantId/activate', { schema: { params: MerchantParams } }, async (request, reply) => {
      await removal.activate({ merchantId: request.params.merchantId, serviceId: null });
      return reply.status(204).send();
    });
    app.post('/merchants/:merchantId/services/:serviceId/activate', { schema: { params: ServiceParams } }, async (request, reply) => {
      await removal.activate({ merchantId: request.params.merchantId, serviceId: request.params.serviceId });
      return reply.status(204).send();
    });
  };
