// ixmeter console: sign-in, role-aware navigation and the page router.
import { useEffect, useState } from 'preact/hooks';
import { html, render, api, session, navigate, Link, setUnauthorizedHandler, roleLabel } from './lib.js';
import { t, getLang, setLang, onLangChange } from './i18n.js';
import { ErrorBox, Notice } from './components.js';
import { MemberTraffic, MemberStatements, MemberAlerts } from './pages/member.js';
import { FinanceStatements, Policies } from './pages/finance.js';
import { Programme } from './pages/programme.js';
import { AlertQueue, AlertDetail } from './pages/security.js';
import { Exporters, Ports, Members } from './pages/ops.js';
import { NoticeQueue, NoticeDetail, MemberNotices } from './pages/notices.js';
import { SecurityReport } from './pages/security-report.js';
import { Dashboard } from './pages/dashboard.js';
import { ExclusionsPage, DisputeQueue } from './pages/corrections.js';

const STAFF = ['admin', 'finance', 'security', 'auditor'];

/** Navigation per role: groups of [id, path, label key]. */
export function navFor(me) {
  if (!me) return [];
  const member = (asn) => ({
    id: 'member',
    title: 'nav.group.member',
    items: [
      ['member-traffic', `/members/${asn}/traffic`, 'nav.traffic'],
      ['member-statements', `/members/${asn}/statements`, 'nav.statements'],
      ['member-alerts', `/members/${asn}/alerts`, 'nav.alerts'],
      ['member-notices', `/members/${asn}/notices`, 'nav.my_notices'],
    ],
  });
  const finance = {
    id: 'finance',
    title: 'nav.group.finance',
    items: [
      ['finance-statements', '/finance/statements', 'nav.finance_statements'],
      ['finance-policies', '/finance/policies', 'nav.policies'],
      ['finance-programme', '/finance/programme', 'nav.programme'],
      ['finance-exclusions', '/finance/exclusions', 'nav.exclusions'],
      ['finance-disputes', '/finance/disputes', 'nav.disputes'],
    ],
  };
  const security = {
    id: 'security',
    title: 'nav.group.security',
    items: [
      ['security-alerts', '/security/alerts', 'nav.alert_queue'],
      ['security-notices', '/security/notices', 'nav.notices'],
      ['security-report', '/security/reports', 'nav.security_report'],
    ],
  };
  const supervision = { id: 'supervision', title: 'nav.group.supervision', items: security.items };
  const ops = (withRegistry) => ({
    id: 'ops',
    title: 'nav.group.ops',
    items: [
      ['ops-exporters', '/ops/exporters', 'nav.exporters'],
      ['ops-ports', '/ops/ports', 'nav.ports'],
      ...(withRegistry ? [['ops-members', '/ops/members', 'nav.members']] : []),
    ],
  });
  switch (me.role) {
    case 'member':
      return [member(me.asn)];
    case 'finance':
      return [
        finance,
        { id: 'registry', title: 'nav.group.registry', items: [['ops-members', '/ops/members', 'nav.members']] },
      ];
    case 'security':
      return [security, ops(true)];
    case 'admin':
      return [finance, security, ops(true)];
    case 'auditor':
      return [finance, security, ops(true)];
    case 'regulator':
      return [
        { id: 'overview', title: 'nav.group.overview', items: [['overview-dashboard', '/dashboard', 'nav.dashboard']] },
        supervision,
      ];
    default:
      return [];
  }
}

export function homeFor(me) {
  if (!me) return '/signin';
  return navFor(me)[0]?.items[0]?.[1] ?? '/signin';
}

/** Route table: pattern → page; `roles` limits client-side pages (the API enforces everything anyway). */
const ROUTES = [
  [/^\/members\/(\d+)\/traffic$/, (m) => html`<${MemberTraffic} asn=${Number(m[1])} />`],
  [/^\/members\/(\d+)\/statements$/, (m) => html`<${MemberStatements} asn=${Number(m[1])} />`],
  [/^\/members\/(\d+)\/alerts$/, (m) => html`<${MemberAlerts} asn=${Number(m[1])} />`],
  [
    /^\/members\/(\d+)$/,
    (m) => {
      navigate(`/members/${m[1]}/traffic`, { replace: true });
      return null;
    },
  ],
  [/^\/finance\/statements$/, () => html`<${FinanceStatements} />`, ['admin', 'finance', 'auditor']],
  [/^\/finance\/policies$/, () => html`<${Policies} />`, ['admin', 'finance', 'auditor']],
  [/^\/finance\/programme$/, () => html`<${Programme} />`, ['admin', 'finance', 'auditor']],
  [/^\/finance\/exclusions$/, () => html`<${ExclusionsPage} />`, ['admin', 'finance', 'auditor']],
  [/^\/finance\/disputes$/, () => html`<${DisputeQueue} />`, ['admin', 'finance', 'auditor']],
  [/^\/security\/alerts$/, () => html`<${AlertQueue} />`, [...STAFF, 'regulator']],
  [/^\/alerts\/([\w-]+)$/, (m) => html`<${AlertDetail} id=${m[1]} />`],
  [/^\/members\/(\d+)\/notices$/, (m) => html`<${MemberNotices} asn=${Number(m[1])} />`],
  [/^\/security\/notices$/, () => html`<${NoticeQueue} />`, [...STAFF, 'regulator']],
  [/^\/security\/reports$/, () => html`<${SecurityReport} />`, ['admin', 'security', 'auditor', 'regulator']],
  [/^\/notices\/([\w-]+)$/, (m) => html`<${NoticeDetail} id=${m[1]} />`],
  [/^\/ops\/exporters$/, () => html`<${Exporters} />`, ['admin', 'security', 'auditor', 'finance']],
  [/^\/ops\/ports$/, () => html`<${Ports} />`, ['admin', 'security', 'auditor', 'finance']],
  [/^\/ops\/members$/, () => html`<${Members} />`, STAFF],
  [/^\/dashboard$/, () => html`<${Dashboard} />`, [...STAFF, 'regulator']],
];

function Page({ path, me }) {
  for (const [re, page, roles] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    if (roles && !roles.includes(me.role)) {
      return html`<${ErrorBox} error=${{ status: 403, code: 'CONSOLE', message: t('err.page_role', { role: roleLabel(me.role) }) }} />`;
    }
    return page(m);
  }
  return html`<${ErrorBox} error=${{ status: 404, code: 'CONSOLE', message: t('err.no_page', { path }) }} />`;
}

function SignIn({ reason }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api('/me', { token: token.trim() });
      session.set(token.trim(), me);
      dispatchEvent(new Event('ixm:session'));
      const next = new URLSearchParams(location.search).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : homeFor(me), { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin" id="main">
    <form class="card signin-card" onSubmit=${submit} aria-labelledby="signin-title">
      <h1 id="signin-title">${t('signin.title')}</h1>
      <p class="muted">${t('signin.intro')}</p>
      ${reason ? html`<${Notice} kind="warn">${reason}<//>` : null}
      <label for="token">${t('signin.token')}</label>
      <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required placeholder="ixm_…" value=${token} onInput=${(e) => setToken(e.currentTarget.value)} />
      <p class="hint">${t('signin.hint')}</p>
      <button type="submit" class="btn btn-primary" disabled=${busy || !token.trim()}>${busy ? t('signin.checking') : t('signin.submit')}</button>
      <${ErrorBox} error=${error} title=${error?.status === 401 ? t('signin.rejected') : undefined} />
    </form>
  </main>`;
}

function LangSwitch() {
  const other = getLang() === 'zh' ? 'en' : 'zh';
  return html`<button type="button" class="btn btn-ghost lang-switch" data-testid="lang-switch" lang=${other === 'en' ? 'en' : 'zh-CN'}
    aria-label=${t('lang.switch_aria')} onClick=${() => setLang(other)}>${other === 'en' ? 'English' : '中文'}</button>`;
}

function Shell({ me, path, children }) {
  const groups = navFor(me);
  const signOut = () => {
    session.clear();
    dispatchEvent(new Event('ixm:session'));
    navigate('/signin');
  };
  return html`<div class="shell">
    <a class="skip-link" href="#main">${t('skip_to_content')}</a>
    <header class="topbar">
      <div class="brand"><span class="logo" aria-hidden="true"></span><span class="brand-name">ixmeter</span><span class="brand-sub">${t('app.subtitle')}</span></div>
      <div class="who" data-testid="whoami">
        <span class="badge badge-role">${roleLabel(me.role)}</span>
        <span>${me.name || me.token_id}</span>
        ${me.asn !== null && me.asn !== undefined ? html`<span class="muted">AS${me.asn}</span>` : null}
      </div>
      <div class="top-actions">
        ${[...STAFF, 'regulator'].includes(me.role) ? html`<${Link} href="/dashboard" class="btn btn-ghost" data-testid="open-dashboard">${t('dash.open')}<//>` : null}
        <${LangSwitch} />
        <button type="button" class="btn btn-ghost" onClick=${signOut} data-testid="signout">${t('signout')}</button>
      </div>
    </header>
    <div class="layout">
      <nav class="sidenav" aria-label=${t('nav.aria')} data-testid="nav">
        ${groups.map(
          (g) => html`<div class="nav-group" data-group=${g.id}>
          <h2 class="nav-title">${t(g.title)}</h2>
          <ul>${g.items.map(([id, href, label]) => html`<li><${Link} href=${href} data-nav=${id} aria-current=${path === href || path.startsWith(`${href}/`) ? 'page' : undefined}>${t(label)}<//></li>`)}</ul>
        </div>`,
        )}
      </nav>
      <main class="content" id="main" tabindex="-1">${children}</main>
    </div>
  </div>`;
}

function App() {
  const [, setLangState] = useState(getLang());
  const [path, setPath] = useState(location.pathname);
  const [me, setMe] = useState(session.me());
  const [reason, setReason] = useState(null);

  useEffect(() => {
    const onNav = () => {
      setPath(location.pathname);
      window.scrollTo(0, 0);
    };
    const onSession = () => setMe(session.me());
    addEventListener('popstate', onNav);
    addEventListener('ixm:navigate', onNav);
    addEventListener('ixm:session', onSession);
    const off = onLangChange((l) => {
      setLangState(l);
      document.title = `ixmeter · ${t('app.subtitle')}`;
    });
    document.title = `ixmeter · ${t('app.subtitle')}`;
    setUnauthorizedHandler(() => {
      session.clear();
      setReason(t('signin.expired'));
      setMe(null);
      navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    });
    return () => {
      removeEventListener('popstate', onNav);
      removeEventListener('ixm:navigate', onNav);
      removeEventListener('ixm:session', onSession);
      off();
    };
  }, []);

  // Route guards: signed out → sign-in; "/" → the role's home page.
  useEffect(() => {
    if (!me && path !== '/signin')
      navigate(path === '/' ? '/signin' : `/signin?next=${encodeURIComponent(path + location.search)}`, {
        replace: true,
      });
    else if (me && (path === '/' || path === '/signin')) navigate(homeFor(me), { replace: true });
  }, [me, path]);

  if (!me || path === '/signin') {
    return html`<div class="signin-wrap"><div class="signin-lang"><${LangSwitch} /></div><${SignIn} reason=${reason} /></div>`;
  }
  // The wall screen fills the screen: no navigation around it.
  if (path === '/dashboard') return html`<${Page} path=${path} me=${me} />`;
  return html`<${Shell} me=${me} path=${path}><${Page} path=${path} me=${me} /><//>`;
}

render(html`<${App} />`, document.getElementById('app'));
