import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Channels } from '../../channels/dispatch.js';
import type { SecurityReports } from '../../reports/security-report.js';
import { renderSecurityReportPdf, renderSecurityReportXlsx } from '../../reports/security-report.render.js';
import type { AlertsService } from '../../alerts/alerts.service.js';
import { requirePrincipal } from '../plugins/auth.js';
import type { Role } from '../../auth/roles.js';

const SUPERVISION: Role[] = ['admin', 'security', 'auditor', 'regulator'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The month's supervision report, and where the notifications of an alert went. */
export function supervisionRoutes(
  reports: SecurityReports,
  channels: Pick<Channels, 'forSubject'>,
  alerts: Pick<AlertsService, 'get'>,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/reports/security/:month',
      {
        config: { roles: SUPERVISION },
        schema: {
          tags: ['supervision'],
          summary:
            "The month's supervision report: alerts by type, severity and member, peering-LAN hygiene, notices (issued, rectified, overdue, median time to rectify), open items; with the hash of its inputs",
          params: z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM') }),
          querystring: z.object({
            format: z.enum(['json', 'xlsx', 'pdf']).default('json'),
            lang: z.enum(['zh', 'en']).default('zh'),
          }),
        },
      },
      async (req, reply) => {
        const r = await reports.build(req.params.month);
        const { format, lang } = req.query;
        if (format === 'json') return r;
        const name = `security-report-${r.month}-${lang}.${format}`;
        const bytes =
          format === 'xlsx' ? await renderSecurityReportXlsx(r, lang) : await renderSecurityReportPdf(r, lang);
        return reply
          .header('content-type', format === 'xlsx' ? XLSX : 'application/pdf')
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('x-ixmeter-inputs-hash', r.inputs_hash)
          .send(bytes);
      },
    );

    app.get(
      '/alerts/:id/deliveries',
      {
        config: { roles: SUPERVISION },
        schema: {
          tags: ['supervision'],
          summary: "Delivery status of an alert's notifications, per channel and recipient",
          params: z.object({ id: z.string().min(1).max(100) }),
        },
      },
      async (req) => {
        const a = await alerts.get(req.params.id, requirePrincipal(req));
        return { deliveries: await channels.forSubject(a.id) };
      },
    );
  };
}
