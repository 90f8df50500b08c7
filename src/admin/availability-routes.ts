// Admin routes for a service's availability: replace a window (Google's replace semantics),
// apply a weekly schedule in the merchant's time zone, list slots with their open spots.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AvailabilityEntry } from '../availability/expansion.js';
import type { AvailabilityService } from '../availability/service.js';

const ServiceParams = Type.Object({ merchantId: Type.String(), serviceId: Type.String() });
const Seconds = Type.Integer({ minimum: 0 });
const Resources = Type.Object({
  staff_id: Type.Optional(Type.String()),
  room_id: Type.Optional(Type.String()),
  party_size: Type.Optional(Type.Integer({ minimum: 0 })),
});
const Range = Type.Object({ begin_sec: Seconds, end_sec: Seconds });

const ReplaceBody = Type.Object({
  start_time_restrict: Seconds,
  end_time_restrict: Seconds,
  duration_restrict: Type.Optional(Seconds),
  resources_restrict: Type.Optional(Type.Object({ staff_id: Type.Optional(Type.String()), room_id: Type.Optional(Type.String()) })),
  availability: Type.Array(
    Type.Object({
      start_sec: Seconds,
      duration_sec: Seconds,
      spots_total: Type.Integer({ minimum: 0 }),
      availability_tag: Type.Optional(Type.String({ maxLength: 200 })),
      resources: Type.Optional(Resources),
      recurrence: Type.Optional(Type.Object({ repeat_every_sec: Seconds, repeat_until_sec: Seconds })),
      schedule_exception: Type.Optional(Type.Array(Type.Object({ time_range: Range }), { maxItems: 1000 })),
    }),
    { maxItems: 20_000 },
  ),
});

const ScheduleBody = Type.Object({
  from_date: Type.String(),
  to_date: Type.String(),
  days: Type.Array(Type.Integer(), { maxItems: 7 }),
  first_start: Type.String(),
  last_start: Type.String(),
  repeat_every_minutes: Type.Integer(),
  duration_sec: Seconds,
  spots_total: Type.Integer({ minimum: 0 }),
  resources: Type.Optional(Resources),
  availability_tag: Type.Optional(Type.String({ maxLength: 200 })),
  exceptions: Type.Optional(Type.Array(Range, { maxItems: 1000 })),
});

export const availabilityAdminRoutes =
  (availability: AvailabilityService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.put('/merchants/:merchantId/services/:serviceId/availability', { schema: { params: ServiceParams, body: ReplaceBody } }, async (request) => {
      const b = request.body;
      const entries: AvailabilityEntry[] = b.availability.map((a) => ({
        startSec: a.start_sec,
        durationSec: a.duration_sec,
        spotsTotal: a.spots_total,
        availabilityTag: a.availability_tag ?? '',
        resources: { staffId: a.resources?.staff_id ?? '', roomId: a.resources?.room_id ?? '', partySize: a.resources?.party_size ?? 0 },
        recurrence: a.recurrence ? { repeatEverySec: a.recurrence.repeat_every_sec, repeatUntilSec: a.recurrence.repeat_until_sec } : null,
        scheduleExceptions: (a.schedule_exception ?? []).map((e) => ({ beginSec: e.time_range.begin_sec, endSec: e.time_range.end_sec })),
      }));
      const written = await availability.replace(
        request.params.merchantId,
        request.params.serviceId,
        { beginSec: b.start_time_restrict, endSec: b.end_time_restrict },
        entries,
        {
          ...(b.duration_restrict !== undefined ? { durationSec: b.duration_restrict } : {}),
          ...(b.resources_restrict?.staff_id !== undefined ? { staffId: b.resources_restrict.staff_id } : {}),
          ...(b.resources_restrict?.room_id !== undefined ? { roomId: b.resources_restrict.room_id } : {}),
        },
      );
      return { slots_written: written };
    });

    app.put(
      '/merchants/:merchantId/services/:serviceId/availability/weekly-schedule',
      { schema: { params: ServiceParams, body: ScheduleBody } },
      async (request) => {
        const b = request.body;
        const { window, slots } = await availability.applySchedule(request.params.merchantId, request.params.serviceId, {
          fromDate: b.from_date,
          toDate: b.to_date,
          days: b.days,
          firstStart: b.first_start,
          lastStart: b.last_start,
          repeatEveryMinutes: b.repeat_every_minutes,
          durationSec: b.duration_sec,
          spotsTotal: b.spots_total,
          resources: { staffId: b.resources?.staff_id ?? '', roomId: b.resources?.room_id ?? '', partySize: b.resources?.party_size ?? 0 },
          availabilityTag: b.availability_tag ?? '',
          exceptions: (b.exceptions ?? []).map((e) => ({ beginSec: e.begin_sec, endSec: e.end_sec })),
        });
        return { start_time_restrict: window.beginSec, end_time_restrict: window.endSec, slots_written: slots };
      },
    );

    app.get(
      '/merchants/:merchantId/services/:serviceId/availability',
      { schema: { params: ServiceParams, querystring: Type.Object({ from: Seconds, to: Seconds }) } },
      async (request) => {
        const list = await availability.list(request.params.merchantId, request.params.serviceId, request.query.from, request.query.to);
        return {
          slots: list.map((s) => ({
            start_sec: s.startSec,
            duration_sec: s.durationSec,
            spots_total: s.spotsTotal,
            spots_open: s.spotsOpen,
            availability_tag: s.availabilityTag,
            resources: { staff_id: s.staffId, room_id: s.roomId, party_size: s.partySize },
          })),
        };
      },
    );
  };
