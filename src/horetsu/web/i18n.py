"""Every label of the web app in Japanese and English: ``{"key": ("日本語", "English")}``.

One way only (as the report does): templates read ``{{ L.key }}`` from the page's
language; names of stages, temperatures, segments and tactics come from the library's
own catalogues, so the web app and the report say the same thing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from horetsu.analytics.labels import CPM_SEGMENTS, RFM_SEGMENTS
from horetsu.i18n import Labels
from horetsu.report.i18n import JOURNEY_NAMES, STAGE_NAMES, TEMPERATURE_NAMES
from horetsu.web.mail_labels import MAIL_LABELS
from horetsu.web.i18n_pages import PAGE_LABELS

LANGS = ("ja", "en")

LABELS: Labels = {
    "app": ("horetsu 惚れ通", "horetsu"),
    "lang.switch": ("English", "日本語"),
    "lang.other": ("en", "ja"),
    # navigation
    "nav.home": ("ホーム", "Home"),
    "nav.today": ("今日", "Today"),
    "nav.stages": ("ステージ", "Stages"),
    "nav.customers": ("顧客", "Customers"),
    "nav.campaign": ("施策チェック", "Campaign check"),
    "nav.import": ("取り込み", "Import"),
    "nav.analysis": ("分析", "Analysis"),
    "nav.settings": ("設定", "Settings"),
    "nav.password": ("パスワード変更", "Change password"),
    "nav.logout": ("ログアウト", "Log out"),
    "nav.menu": ("メニュー", "Menu"),
    # login
    "login.title": ("ログイン", "Log in"),
    "login.email": ("メールアドレス", "E-mail"),
    "login.password": ("パスワード", "Password"),
    "login.submit": ("ログイン", "Log in"),
    "login.failed": ("メールアドレスかパスワードが違います。", "The e-mail or the password is wrong."),
    "login.locked": (
        "失敗が続いたため、しばらくログインできません。{minutes}分ほどしてからもう一度お試しください。",
        "Too many failed attempts: logging in is paused. Try again in about {minutes} minutes.",
    ),
    "logout.done": ("ログアウトしました。", "You have logged out."),
    "password.title": ("パスワード変更", "Change password"),
    "password.old": ("今のパスワード", "Current password"),
    "password.new1": ("新しいパスワード", "New password"),
    "password.new2": ("新しいパスワード（確認）", "New password (again)"),
    "password.submit": ("変更する", "Change"),
    "password.done": ("パスワードを変更しました。", "Your password has been changed."),
    "password.invalid": ("パスワードを変更できませんでした: {why}", "The password was not changed: {why}"),
    # common
    "common.as_of": ("基準日", "As of"),
    "common.stale": (
        "データが分析より新しくなっています。分析をやり直してください。",
        "The data is newer than the analysis: run the analysis again.",
    ),
    "common.fresh": ("分析は最新のデータに基づいています。", "The analysis is up to date with the data."),
    "common.no_results": (
        "まだ分析結果がありません。データを取り込み、分析を実行してください。",
        "There are no analysis results yet: import data, then run the analysis.",
    ),
    "common.customers": ("顧客数", "Customers"),
    "common.people": ("{n}人", "{n}"),
    "common.change": ("前期比", "vs previous"),
    "common.all": ("すべて", "All"),
    "common.search": ("検索", "Search"),
    "common.filter": ("絞り込む", "Filter"),
    "common.clear": ("条件をクリア", "Clear filters"),
    "common.prev": ("前へ", "Previous"),
    "common.next": ("次へ", "Next"),
    "common.page": ("{page} / {pages} ページ", "Page {page} of {pages}"),
    "common.download": ("ダウンロード", "Download"),
    "common.none": ("なし", "None"),
    "common.total": ("合計", "Total"),
    "common.stage": ("ステージ", "Stage"),
    "common.temperature": ("温度", "Temperature"),
    "common.journey": ("ジャーニー段階", "Journey step"),
    "common.rfm": ("RFM", "RFM"),
    "common.cpm": ("CPM", "CPM"),
    "common.cohort": ("初回購入月", "Cohort (first purchase month)"),
    "common.first_category": ("初回購入カテゴリ", "First category"),
    "common.loading": ("読み込み中…", "Loading…"),
    "common.back": ("戻る", "Back"),
    "common.save": ("保存する", "Save"),
    "common.send_date": ("送付日", "Send date"),
    "common.tactic": ("施策", "Tactic"),
    "common.reason": ("理由", "Reason"),
    "common.rule": ("ルール", "Rule"),
    "common.format": ("形式", "Format"),
    "common.progress": ("進み具合", "Progress"),
    "common.open_list": ("一覧を見る", "Open the list"),
    "common.open_check": ("施策チェックへ", "Check a campaign"),
    # home
    "home.title": ("ホーム", "Home"),
    "home.sales": ("売上（{month}）", "Sales ({month})"),
    "home.new_customers": ("新規顧客（{month}）", "New customers ({month})"),
    "home.f2": ("F2転換率（{days}日以内）", "F2 conversion (within {days} days)"),
    "home.active": ("現役顧客", "Active customers"),
    "home.cooled": ("今月冷えた顧客", "Customers who cooled this month"),
    "home.per_stage": ("ステージ別の顧客数", "Customers per stage"),
    "home.trend": ("月別売上の推移", "Monthly sales"),
    "home.vs_prev": ("前月 {value}", "previous month {value}"),
    "home.f2_prev": ("前年同期の初回購入者 {value}", "first buyers a year earlier {value}"),
    "home.cooled_note": (
        "温度が「冷えつつある」で、最終購入から普段の間隔を超えた顧客",
        "Temperature 'cooling': past their usual interval since the last purchase",
    ),
    "home.cooled_since": (
        "{day} に「現役」、基準日に「冷えつつある」になった顧客（前期比は前月の同じ変化と比べます）。いま冷えつつある顧客 {now} 人",
        "Active on {day}, cooling on the as-of day (the change compares with the same move a month earlier). "
        "Cooling now: {now}",
    ),
    "home.cooling_now": ("いま冷えつつある顧客", "Customers cooling now"),
    # today
    "today.title": ("今日やること", "Today"),
    "today.due": ("次の一手がある顧客", "Customers with a next action"),
    "today.leave": ("今はそっとしておく顧客", "Leave alone for now"),
    "today.action": ("次の一手", "Next action"),
    "today.why": ("なぜ", "Why"),
    "today.nobody": ("該当する顧客はいません。", "Nobody here today."),
    # stages
    "stages.title": ("ステージ", "Stages"),
    "stages.by_temperature": ("ステージ × 温度", "Stage × temperature"),
    "stages.by_rfm": ("RFM × ステージ", "RFM × stage"),
    "stages.by_cpm": ("CPM × ステージ", "CPM × stage"),
    "stages.by_journey": ("ジャーニー段階 × ステージ", "Journey step × stage"),
    "stages.flow": ("月次スナップショット間の移動", "Flow between monthly snapshots"),
    "stages.no_snapshots": (
        "ステージの月次スナップショットが分析結果にまだありません。",
        "The analysis results hold no monthly stage snapshots yet.",
    ),
    "stages.cell_hint": ("数字を押すとその顧客の一覧を開きます。", "Click a number to list those customers."),
    # customers
    "customers.title": ("顧客一覧", "Customers"),
    "customers.q": ("ID・氏名・メールで検索", "Search id, name or e-mail"),
    "customers.sort": ("並び順", "Sort by"),
    "customers.count": ("{n}人", "{n} customers"),
    "customers.download": ("この条件で施策の対象者CSVをダウンロード", "Download this list for a tactic (CSV)"),
    "col.customer_id": ("顧客ID", "Customer id"),
    "col.name": ("氏名", "Name"),
    "col.email": ("メール", "E-mail"),
    "col.last_purchase": ("最終購入日", "Last purchase"),
    "col.first_purchase": ("初回購入日", "First purchase"),
    "col.frequency": ("購入回数", "Purchases"),
    "col.monetary_total": ("累計購入額", "Total spend"),
    "col.p_alive": ("生存確率", "P(alive)"),
    "col.clv_12m": ("12か月の予測売上", "12-month value"),
    "col.expected_purchases_365d": ("今後1年の予測購入回数", "Expected purchases, next year"),
    "col.recency_days": ("最終購入からの日数", "Days since last purchase"),
    "col.next_action": ("次の一手", "Next action"),
    "sort.asc": ("昇順", "ascending"),
    "sort.desc": ("降順", "descending"),
    # customer
    "customer.title": ("顧客 {id}", "Customer {id}"),
    "customer.evidence": ("根拠", "Evidence"),
    "customer.next": ("次の一手とその理由", "Next action and why"),
    "customer.timeline": ("時間軸", "Timeline"),
    "customer.tactics": ("施策ごとの可否（{day}）", "Each tactic on {day}"),
    "customer.allowed": ("可", "Allowed"),
    "customer.blocked": ("不可", "Blocked"),
    "customer.notes": ("メモ", "Notes"),
    "customer.contact": ("連絡先", "Contact"),
    "customer.not_found": ("この顧客は見つかりません。", "This customer was not found."),
    "tl.order": ("注文", "Order"),
    "tl.line": ("明細", "Line"),
    "tl.event": ("出来事", "Event"),
    "tl.subscription": ("定期購入", "Subscription"),
    "tl.message": ("送信", "Message sent"),
    "tl.survey": ("アンケート回答", "Survey answer"),
    "tl.when": ("日時", "When"),
    "tl.what": ("内容", "What"),
    "tl.amount": ("金額", "Amount"),
    # campaign
    "campaign.title": ("施策チェック", "Campaign check"),
    "campaign.audience": ("対象者", "Audience"),
    "campaign.from_filter": ("顧客一覧の条件で選ぶ", "Customers matching the filters"),
    "campaign.from_csv": ("顧客IDのCSVをアップロード", "Upload a CSV of customer ids"),
    "campaign.csv": ("CSVファイル（customer_id 列）", "CSV file (a customer_id column)"),
    "campaign.check": ("チェックする", "Check"),
    "campaign.allowed": ("送ってよい", "Allowed"),
    "campaign.blocked": ("送ってはいけない", "Blocked"),
    "campaign.by_rule": ("止めたルールと理由の例", "Blocked by rule, with sample reasons"),
    "campaign.download_allowed": ("送ってよい顧客", "Allowed customers"),
    "campaign.download_blocked": ("止めた顧客（理由つき）", "Blocked customers (with reasons)"),
    "campaign.override": ("オーナーによる上書き", "Owner override"),
    "campaign.override_reason": ("上書きの理由（記録されます）", "Why (recorded in the audit log)"),
    "campaign.override_submit": ("止めた顧客にも送る", "Let the blocked customers through"),
    "campaign.overridden": (
        "{by} さんが上書きしました: {reason}", "Overridden by {by}: {reason}",
    ),
    "campaign.need_reason": ("上書きには理由が必要です。", "An override needs a reason."),
    "campaign.filters": ("条件", "Filters"),
    "campaign.no_csv": ("CSVファイルを選んでください。", "Choose a CSV file."),
    "campaign.csv_format": ("CSV（そのまま）", "CSV (plain)"),
    # import
    "import.title": ("データの取り込み", "Import data"),
    "import.file": ("エクスポートファイル", "Export file"),
    "import.preset": ("プリセット", "Preset"),
    "import.auto": ("自動判定", "Detect"),
    "import.upload": ("内容を確認する", "Check the file"),
    "import.detected": ("判定結果", "What was detected"),
    "import.encoding": ("文字コード", "Encoding"),
    "import.columns": ("列", "Columns"),
    "import.table": ("取り込み先", "Table"),
    "import.rows": ("行数", "Rows"),
    "import.run": ("取り込む", "Import"),
    "import.done": ("取り込みました: {rows}行、隔離 {quarantined}行", "Imported {rows} rows; {quarantined} quarantined"),
    "import.quarantine": ("隔離された行", "Quarantined rows"),
    "import.quarantine_none": ("隔離された行はありません。", "No rows are in quarantine."),
    "import.no_file": ("ファイルを選んでください。", "Choose a file."),
    # analysis
    "analysis.title": ("分析", "Analysis"),
    "analysis.run": ("分析を実行する", "Run the analysis"),
    "analysis.running": ("分析を実行中です。", "The analysis is running."),
    "analysis.done": ("分析が終わりました。", "The analysis has finished."),
    "analysis.report": ("レポートを見る", "View the report"),
    "analysis.report_download": ("レポートをダウンロード", "Download the report"),
    "analysis.last": ("最後の分析: {when}（基準日 {as_of}）", "Last analysis: {when} (as of {as_of})"),
    "analysis.no_report": ("レポートはまだありません。", "There is no report yet."),
    # jobs
    "job.queued": ("待機中", "Waiting"),
    "job.running": ("実行中", "Running"),
    "job.done": ("完了", "Done"),
    "job.failed": ("失敗", "Failed"),
    "job.busy": ("別の処理が実行中です。終わってからもう一度どうぞ。", "Another job is running; try again when it has finished."),
    # settings
    "settings.title": ("設定", "Settings"),
    "settings.toml": ("horetsu.toml（ショップの設定と施策ルールの上書き）", "horetsu.toml (shop settings and policy overrides)"),
    "settings.saved": ("設定を保存しました。", "The settings have been saved."),
    "settings.invalid": ("保存しませんでした: {why}", "Not saved: {why}"),
    "settings.users": ("ユーザー", "Users"),
    "settings.audit": ("監査ログ（新しい順）", "Audit log (newest first)"),
    "settings.role": ("役割", "Role"),
    "settings.add_user_hint": (
        "ユーザーの追加: horetsu user add EMAIL --role owner|marketer|analyst|viewer",
        "Add a user: horetsu user add EMAIL --role owner|marketer|analyst|viewer",
    ),
    "audit.at": ("日時", "When"),
    "audit.who": ("誰が", "Who"),
    "audit.action": ("操作", "Action"),
    "audit.detail": ("内容", "Detail"),
    # roles
    "role.owner": ("オーナー", "Owner"),
    "role.marketer": ("マーケター", "Marketer"),
    "role.analyst": ("アナリスト", "Analyst"),
    "role.viewer": ("閲覧者", "Viewer"),
    # step mails
    **MAIL_LABELS,
    # errors
    "error.400": ("リクエストが正しくありません。", "The request is not valid."),
    "error.403": ("このページを見る権限がありません。", "You do not have access to this page."),
    "error.404": ("ページが見つかりません。", "The page was not found."),
    "error.500": ("問題が起きました。もう一度お試しください。", "Something went wrong; please try again."),
    "error.csrf": (
        "フォームの有効期限が切れました。ページを読み込み直してください。",
        "The form has expired: reload the page and try again.",
    ),
    "error.home": ("ホームへ戻る", "Back to home"),
}
LABELS.update(PAGE_LABELS)  # the survey, NPS and diagnosis pages (horetsu.web.i18n_pages)

NAME_GROUPS: dict[str, Labels] = {
    "stage": STAGE_NAMES,
    "temperature": TEMPERATURE_NAMES,
    "journey_step": JOURNEY_NAMES,
    "rfm_segment": RFM_SEGMENTS,
    "cpm_segment": CPM_SEGMENTS,
}


@lru_cache(maxsize=4)
def labels(lang: str) -> dict[str, str]:
    """All labels in ``lang`` (``ja`` or ``en``), as a plain dict; templates write ``{{ L.nav_home }}``
    for the key ``nav.home`` (Django templates read dots as lookups)."""
    i = 0 if lang == "ja" else 1
    out = {key: pair[i] for key, pair in LABELS.items()}
    out.update({key.replace(".", "_"): value for key, value in list(out.items())})
    return out


def text(lang: str, key: str, **values: Any) -> str:
    """One label with its ``{placeholders}`` filled."""
    out = labels(lang)[key]
    return out.format(**values) if values else out


def name(lang: str, group: str, key: Any) -> str:
    """The display name of a stage, temperature, journey step, RFM or CPM segment."""
    pair = NAME_GROUPS[group].get(str(key)) if key is not None else None
    if pair is None:
        return "–" if key in (None, "") else str(key)
    return pair[0] if lang == "ja" else pair[1]


def names(lang: str, group: str) -> list[tuple[str, str]]:
    """(key, display name) of every value of ``group`` in catalogue order."""
    return [(k, name(lang, group, k)) for k in NAME_GROUPS[group]]
