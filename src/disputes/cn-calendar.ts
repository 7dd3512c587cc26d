/**
 * Maintained data: the official working-day calendar of mainland China (State Council General Office
 * notices on public holidays, 国务院办公厅关于…部分节假日安排的通知), used to count the dispute window's
 * working days. Per year: `holidays` (days off that would otherwise be working days, or are statutory
 * holidays) and `workdays` (weekend days made working days, 调休上班). Any other day: Monday–Friday work,
 * Saturday–Sunday off.
 *
 * Update every November when the next year's notice is published (docs/finance-guide §7). 2025 and 2026
 * are from the published notices; 2027 is PROVISIONAL (the statutory holidays on the expected dates,
 * without make-up working days) until its notice appears: replace it then. Years not listed fall back to
 * weekends only (the statement's dispute deadline says which calendar it used).
 */
export interface CalendarYear {
  status: 'official' | 'provisional';
  source: string;
  holidays: string[];
  workdays: string[];
}

const range = (from: string, days: number): string[] => {
  const t = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => new Date(t + i * 86_400_000).toISOString().slice(0, 10));
};

export const CN_CALENDAR: Readonly<Record<string, CalendarYear>> = {
  '2025': {
    status: 'official',
    source: '国办发明电〔2024〕12号',
    holidays: [
      '2025-01-01',
      ...range('2025-01-28', 8),
      ...range('2025-04-04', 3),
      ...range('2025-05-01', 5),
      ...range('2025-05-31', 3),
      ...range('2025-10-01', 8),
    ],
    workdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
  '2026': {
    status: 'official',
    source: '国务院办公厅关于2026年部分节假日安排的通知',
    holidays: [
      ...range('2026-01-01', 3),
      ...range('2026-02-15', 9),
      ...range('2026-04-04', 3),
      ...range('2026-05-01', 5),
      ...range('2026-06-19', 3),
      ...range('2026-09-25', 3),
      ...range('2026-10-01', 7),
    ],
    workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
  '2027': {
    status: 'provisional',
    source:
      'statutory holidays (全国年节及纪念日放假办法, 2024) on the 2027 dates; replace with the State Council notice',
    holidays: [
      '2027-01-01',
      ...range('2027-02-05', 4),
      '2027-04-05',
      ...range('2027-05-01', 2),
      '2027-06-09',
      '2027-09-15',
      ...range('2027-10-01', 3),
    ],
    workdays: [],
  },
};
