// Chart time axes in one time zone (no dependencies, so the public /stats page can use it without the console):
// MM-DD and 24-hour HH:mm parts of an epoch-seconds time, and uPlot x-axis labels that show the date on the
// first tick and where it changes (dates only for ranges of days).
export function timeAxis(timeZone) {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  function parts(ts) {
    const p = Object.fromEntries(fmt.formatToParts(new Date(ts * 1000)).map((x) => [x.type, x.value]));
    return { date: `${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
  }
  function ticks(_u, splits, _axis, _space, incr) {
    let lastDate = '';
    return splits.map((ts) => {
      const { date, time } = parts(ts);
      if (incr >= 86_400) return date;
      const label = date !== lastDate ? `${time}\n${date}` : time;
      lastDate = date;
      return label;
    });
  }
  return { parts, ticks };
}
