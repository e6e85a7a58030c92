"""index.html of the report: the summary's numbers as tables around the figures.

Only relative links to PNGs in the same folder; no scripts or external resources, so the
folder can be mailed or archived as is.
"""
from __future__ import annotations

from html import escape


def _ms(value: float | int | None) -> str:
    return '–' if value is None else f'{value / 1e6:.3f}'


def _stats_table(title: str, rows: dict[str, dict | None]) -> str:
    body = ''.join(
        f'<tr><td>{escape(name)}</td>' + (''.join(
            f'<td>{_ms(d[k])}</td>' for k in ('median', 'p95', 'max_abs'))
            + f'<td>{d["count"]}</td>' if d else '<td colspan=4>no data</td>') + '</tr>'
        for name, d in rows.items())
    return (f'<h2>{escape(title)}</h2><table><tr><th></th><th>median [ms]</th>'
            f'<th>p95 [ms]</th><th>max |x| [ms]</th><th>samples</th></tr>{body}</table>')


def _figure(name: str | None, caption: str) -> str:
    if name is None:
        return f'<p class=note>{escape(caption)}: not recorded.</p>'
    return f'<figure><img src="{escape(name)}" alt="{escape(caption)}"></figure>'


def render(summary: dict, figures: dict[str, str | None]) -> str:
    """Return the complete HTML page."""
    clients = ''.join(
        f'<tr><td>{escape(c)}</td><td>{v["sets"]}</td><td>{v["missed_ticks"]}</td>'
        f'<td>{v["frames_missing"]}</td><td>{escape(summary["lock_state"].get(c, "–"))}</td>'
        '</tr>' for c, v in summary['clients'].items())
    cameras = ''.join(
        f'<tr><td>{escape(n)}</td><td>{v["dropped_frames"]}</td><td>{v["reconnects"]}</td></tr>'
        for n, v in summary['cameras'].items())
    tick = summary['contact_sheet_tick']
    sheet = (_figure(figures.get('contact_sheet'), 'contact sheet')
             if tick is not None else '<p class=note>No tick has every camera with pixels.</p>')
    true_error = (_stats_table('True stamp error (decoded timecode)', summary['true_error_ns'])
                  if summary['true_error_ns']
                  else f'<h2>True stamp error</h2><p class=note>'
                       f'{escape(summary["true_error_note"])}.</p>')
    return f'''<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>compound_eyes sync report</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}
td:first-child{{text-align:left}}img{{max-width:100%}}.note{{color:#666}}</style></head>
<body><h1>Sync report</h1><p>Bag: <code>{escape(summary['bag'])}</code></p>
<h2>Contact sheet{f' (tick {tick})' if tick is not None else ''}</h2>{sheet}
<h2>Clients</h2><table><tr><th>client</th><th>sets</th><th>missed ticks</th>
<th>frames missing</th><th>lock state</th></tr>{clients}</table>
{_stats_table('Cross-client spread per tick', {'all clients': summary['cross_client_spread_ns']})}
{_figure(figures.get('spread'), 'spread histogram')}
{_stats_table(f"Residual ({summary['residual_source']})", summary['residual_ns'])}
{_figure(figures.get('residuals'), 'residuals')}
{true_error}
<h2>Cameras</h2><table><tr><th>camera</th><th>dropped</th><th>reconnects</th></tr>{cameras}
</table>{_figure(figures.get('drops'), 'drops')}
<h2>Lock state</h2>{_figure(figures.get('lock_state'), 'lock state (SyncStatus)')}
{_stats_table('NTP measured offset', summary['ntp_measured_offset_ns'])}
{_figure(figures.get('ntp_offset'), 'NTP offset (ClockStatus)')}
</body></html>
'''
