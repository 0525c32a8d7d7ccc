"""Every label of the report in Japanese and English, plus number formatting.

Labels are ``{"key": ("日本語", "English")}`` pairs (see :mod:`horetsu.i18n`), so a
missing translation cannot be written.  Texts may hold ``{name}`` placeholders that
:meth:`Tr.__call__` fills with already formatted values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from horetsu.i18n import Labels

LABELS: Labels = {
    # page
    "page.title": ("顧客の時間軸レポート", "Customer time-axis report"),
    "page.subtitle": (
        "基準日 {as_of}・顧客 {customers} 人（うち購入者 {buyers} 人）",
        "As of {as_of} · {customers} customers, {buyers} of them buyers",
    ),
    "page.generated": ("horetsu {version} で作成", "Made with horetsu {version}"),
    "page.toc": ("目次", "Contents"),
    "page.takeaway": ("要点", "Takeaway"),
    "page.action": ("打ち手", "What to do"),
    "page.missing": ("この節の元データがありません（{names}）。", "The data for this section is missing ({names})."),
    "page.hint.analyze": (
        "`horetsu analyze` を実行してからレポートを作り直してください。",
        "Run `horetsu analyze`, then build the report again.",
    ),
    "page.hint.import": (
        "`horetsu import` でデータを取り込むと表示されます。",
        "It appears once data is loaded with `horetsu import`.",
    ),
    "page.empty": ("この節に表示できるデータがありません。", "There is no data to show in this section."),
    # sections
    "sec.overview": ("概要", "Overview"),
    "sec.timeline": ("時間軸で見る売上", "Sales on the time axis"),
    "sec.cohorts": ("コホートとLTV", "Cohorts and lifetime value"),
    "sec.f2": ("F2転換とリピートの階段", "Second purchase and the repeat ladder"),
    "sec.intervals": ("再購入までの日数", "Days between purchases"),
    "sec.rfm": ("RFM分析", "RFM analysis"),
    "sec.cpm": ("CPM（顧客ポートフォリオ）", "CPM customer portfolio"),
    "sec.deciles": ("デシル分析", "Deciles"),
    "sec.stages": ("関係ステージ", "Relationship stages"),
    "sec.journey": ("7段階のカスタマージャーニー", "The seven-step journey"),
    "sec.clv": ("顧客生涯価値（CLV）と離脱予測", "Customer value and churn prediction"),
    "sec.actions": ("ステージ別の行動計画", "Action plan per stage"),
    "sec.quality": ("データ品質", "Data quality"),
    "sec.mail": ("ステップメール", "Step mails"),
    "sec.nps": ("顧客満足度(NPS)", "Customer satisfaction (NPS)"),
    "sec.diagnosis": ("事業診断", "Business diagnosis"),
    # KPIs
    "kpi.customers": ("購入顧客数", "Customers"),
    "kpi.active": ("現役顧客数", "Active customers"),
    "kpi.f2_rate": ("F2転換率", "F2 rate"),
    "kpi.repeat_rate": ("リピート購入比率", "Repeat purchase share"),
    "kpi.revenue": ("売上合計", "Total revenue"),
    "kpi.revenue_new": ("新規の売上", "Revenue from new customers"),
    "kpi.revenue_repeat": ("リピートの売上", "Revenue from repeat purchases"),
    "kpi.revenue_subscription": ("定期購入の売上", "Revenue from subscriptions"),
    "kpi.clv_12m": ("今後12か月の予測売上", "Predicted value, next 12 months"),
    "kpi.def.customers": ("1回以上購入した顧客", "customers with at least one purchase"),
    "kpi.def.active": (
        "最終購入から{days}未満の顧客（離脱の基準日数）",
        "last purchase less than {days} ago (the lapse window)",
    ),
    "kpi.def.f2_rate": ("2回目の購入に進んだ顧客の割合（購入日単位）", "share of buyers with a second purchase day"),
    "kpi.def.repeat_rate": ("全購入日のうち2回目以降の購入の割合", "share of purchase days that were repeat purchases"),
    "kpi.def.revenue_split": ("全期間の売上を新規・リピート・定期購入に分けたもの", "all-time revenue split by new, repeat and subscription"),
    "kpi.def.clv_12m": ("BG/NBD と Gamma-Gamma による割引後の予測額の合計", "sum of discounted BG/NBD × Gamma-Gamma predictions"),
    # series / axes
    "s.new": ("新規", "New"),
    "s.repeat": ("リピート", "Repeat"),
    "s.subscription": ("定期購入", "Subscription"),
    "s.lost": ("離脱した顧客", "Customers lost"),
    "s.active_base": ("現役顧客", "Active base"),
    "s.actual": ("実績", "Actual"),
    "s.expected": ("モデルの予測", "Model prediction"),
    "s.calibration_end": ("学習期間の終わり", "End of calibration"),
    "s.customers": ("顧客数", "Customers"),
    "s.active_base_axis": ("現役顧客（人）", "Active base"),
    "s.within_days": ("{days}以内", "≤ {days}"),
    "unit.customers_suffix": ("人", " customers"),
    "list.sep": ("、", "; "),
    "s.revenue": ("売上", "Revenue"),
    "s.median": ("中央値", "Median"),
    "s.all_cohorts": ("全コホート（加重平均）", "All cohorts (pooled)"),
    "s.cumulative": ("累積", "Cumulative"),
    "s.all_categories": ("全カテゴリ", "All categories"),
    "s.no_purchase": ("（購入なし）", "(no purchase)"),
    "s.p80": ("80パーセンタイル", "80th percentile"),
    "ax.month": ("月", "Month"),
    "ax.revenue_yen": ("売上（円）", "Revenue (¥)"),
    "ax.customers": ("顧客数（人）", "Customers"),
    "ax.cohort": ("初回購入月（コホート）", "First-purchase month (cohort)"),
    "ax.months_since": ("初回購入からの経過月数（月）", "Months since first purchase"),
    "ax.ltv_yen": ("顧客1人あたり累積売上（円）", "Cumulative revenue per customer (¥)"),
    "ax.share": ("割合（%）", "Share (%)"),
    "ax.days_between": ("購入間隔（日）", "Days between purchases"),
    "ax.category": ("カテゴリ", "Category"),
    "ax.recency": ("R（最近性）スコア", "Recency score (R)"),
    "ax.frequency": ("F（頻度）スコア", "Frequency score (F)"),
    "ax.decile": ("デシル（1 = 上位10%）", "Decile (1 = top 10%)"),
    "ax.revenue_share": ("売上構成比（%）", "Share of revenue (%)"),
    "ax.stage": ("ステージ", "Stage"),
    "ax.rfm_segment": ("RFMセグメント", "RFM segment"),
    "ax.p_alive": ("生存確率 P(alive)", "P(alive)"),
    "ax.clv_yen": ("今後12か月の予測額（円）", "Predicted 12-month value (¥)"),
    "ax.week": ("経過週数（週）", "Weeks since the start of the data"),
    "ax.cum_repeat": ("累積リピート購入数（回）", "Cumulative repeat purchases"),
    "ax.step": ("ステップ", "Step"),
    "ax.cell": ("セル", "Cell"),
    "ax.cpm_state": ("現役／離脱", "Active / lapsed"),
    "ax.ladder_step": ("購入回数の段", "Purchase step"),
    "ax.within_days": ("初回購入からの日数（日）", "Days after the first purchase"),
    "ax.tactic": ("施策", "Tactic"),
    "ax.file": ("ファイル", "File"),
    "ax.rows": ("行数（行）", "Rows"),
    "ax.reason": ("理由", "Reason"),
    # chart titles
    "fig.revenue_split": ("売上の内訳（新規・リピート・定期）", "Revenue split: new, repeat, subscription"),
    "fig.monthly_revenue": ("月別売上：新規・リピート・定期購入", "Monthly revenue: new, repeat, subscription"),
    "fig.monthly_lost": ("月別の離脱顧客数と現役顧客数", "Customers lost per month and the active base"),
    "fig.cohort_heatmap": ("コホート別 継続購入率", "Share of each cohort buying, by month since first purchase"),
    "fig.ltv_curves": ("コホート別 LTV 曲線", "LTV curves by cohort"),
    "fig.f2_within": ("初回購入から N 日以内の F2 転換率", "Second purchase within N days of the first"),
    "fig.f2_category": ("初回購入カテゴリ別 {days}以内のF2転換率", "Second purchase within {days}, by first category"),
    "fig.ltv_channel": ("獲得チャネル別 LTV 曲線（全コホート）", "LTV curves by acquisition channel (all cohorts)"),
    "ax.first_category": ("初回購入カテゴリ", "First-purchase category"),
    "fig.ladder": ("リピートの階段（F2→F5）", "The repeat ladder (F2 to F5)"),
    "fig.intervals": ("カテゴリ別 再購入までの日数", "Days to repurchase by category"),
    "fig.rfm_matrix": ("R × F マトリクス（顧客数）", "R × F matrix (customers)"),
    "fig.rfm_segments": ("RFMセグメント別 顧客数と売上", "RFM segments: customers and revenue"),
    "fig.cpm_cells": ("CPM 10セル：顧客数", "CPM ten cells: customers"),
    "fig.cpm_revenue": ("CPM 10セル：売上", "CPM ten cells: revenue"),
    "fig.cpm_flow": ("CPMセルの移動", "Movement between CPM cells"),
    "s.new_customers": ("（新規）", "(new)"),
    "fig.deciles": ("デシル別 売上構成比", "Share of revenue by decile"),
    "fig.stage_dist": ("ステージ別 顧客数と温度", "Customers per stage and temperature"),
    "fig.rfm_stage": ("RFMセグメント × ステージ", "RFM segment × stage"),
    "fig.stage_flow": ("ステージ間の移動（時系列）", "Flow between stages over time"),
    "fig.stage_monthly": ("月末ごとのステージ別顧客数", "Customers per stage at each month end"),
    "fig.stage_moves": ("ステージ別：進んだ・停滞・冷えた", "Per stage: moved, stalled, cooled"),
    "fig.funnel_cohorts": ("初回接点の月別：各ステップに到達した割合", "Share reaching each step, by month of first contact"),
    "ax.first_contact": ("初回接点の月", "Month of first contact"),
    "fig.funnel": ("7段階ジャーニーのファネル", "Seven-step journey funnel"),
    "fig.p_alive": ("生存確率 P(alive) の分布", "Distribution of P(alive)"),
    "fig.clv_dist": ("今後12か月の予測額の分布", "Predicted 12-month value"),
    "fig.cooling_valuable": ("冷えつつある高価値顧客", "Valuable customers who are cooling"),
    "fig.holdout": ("モデルの当てはまり：累積リピート購入（検証期間）", "Model fit: cumulative repeat purchases (holdout)"),
    "fig.action_reach": ("推奨施策ごとの対象顧客数", "Customers each recommendation reaches"),
    "fig.gate_blocked": ("よく使う施策でゲートが止める顧客数", "Customers the gate would block, common tactics"),
    "fig.imports": ("取り込み結果（ファイル別）", "Import results per file"),
    "fig.quarantine": ("隔離した行の理由", "Why rows were quarantined"),
    # misc
    "s.moved": ("次へ進んだ", "Moved up"),
    "s.stalled": ("停滞", "Stalled"),
    "s.cooled": ("冷えた（離脱）", "Cooled (lapsed)"),
    "s.accepted": ("取り込み", "Accepted"),
    "s.quarantined": ("隔離", "Quarantined"),
    "s.duplicates": ("重複", "Duplicates"),
    "s.allowed": ("許可", "Allowed"),
    "s.blocked": ("ブロック", "Blocked"),
    "s.cpm_active": ("現役", "Active"),
    "s.cpm_lapsed": ("離脱", "Lapsed"),
    "t.stage": ("ステージ", "Stage"),
    "t.customers": ("顧客数", "Customers"),
    "t.do": ("すること", "Do"),
    "t.dont": ("してはいけないこと", "Don't"),
    "t.tactic": ("施策", "Tactic"),
    "t.blocked": ("ブロック", "Blocked"),
    "t.rule": ("主なルール", "Main rule"),
    "t.file": ("ファイル", "File"),
    "t.table": ("テーブル", "Table"),
    "t.read": ("読込", "Read"),
    "t.accepted": ("取り込み", "Accepted"),
    "t.quarantined": ("隔離", "Quarantined"),
    "t.duplicates": ("重複", "Duplicates"),
    "t.rows": ("行数", "Rows"),
    "t.quarantine_files": ("隔離フォルダのファイル", "Files in the quarantine folder"),
    "t.set_aside": ("取り込まずに除いた注文（あり得ない日付・合計）", "Orders set aside (impossible dates or totals)"),
    "t.set_aside_item": ("{file} {line}行目: 注文 {order}（{column} = {value}）— {reason}",
                         "{file} line {line}: order {order} ({column} = {value}) — {reason}"),
    "t.no_buyer": (
        "{n} 件の注文には購入者IDがありません（Amazon の全注文レポートなど）。月別売上のグラフには「購入者不明」として"
        "入りますが、新規・リピートの区別、RFM、F2、コホート、ステージ、P(alive) は購入者ごとに数えるため、これらの注文は含まれません。",
        "{n} orders carry no buyer id (the Amazon All Orders Report, for instance). They appear in the monthly sales "
        "chart as \"buyer unknown\", but new versus repeat, RFM, F2, cohorts, stages and P(alive) count per buyer, "
        "so these orders are not in them.",
    ),
    "t.category": ("カテゴリ", "Category"),
    "t.median": ("中央値", "Median"),
    "t.p80": ("80%点", "80th pct"),
    "t.follow_up": ("フォロー推奨日", "Suggested follow-up"),
    "t.n": ("件数", "Intervals"),
    "t.customer": ("顧客ID", "Customer"),
    "t.with_note": ("{title}（{note}）", "{title} ({note})"),
    "t.top_n": ("累計購入額の上位{n}人を表示", "the {n} who spent most are listed"),
    "t.p_alive": ("P(alive)", "P(alive)"),
    "t.monetary": ("累計購入額", "Spent so far"),
    "t.last_purchase": ("最終購入", "Last purchase"),
    "t.clv": ("予測額（12か月）", "Predicted (12 months)"),
    "t.step": ("ステップ", "Step"),
    "t.conversion": ("前段からの転換率", "Conversion from previous step"),
    "t.median_days": ("前段からの日数（中央値）", "Median days from previous step"),
    # takeaways and actions (filled with formatted numbers)
    "tk.overview": (
        "購入者の{one_time}は1回きりです。現役顧客は{customers}人中{active}人です。",
        "{one_time} of buyers have bought only once; {active} of {customers} customers are active.",
    ),
    "tk.overview_noactive": ("購入者の{one_time}は1回きりです。", "{one_time} of buyers have bought only once."),
    "act.overview": (
        "まず2回目の購入（F2）に力を注いでください。その後の関係の長さはここでほぼ決まります。",
        "Work on the second purchase first: it largely decides how long the relationship lasts.",
    ),
    "tk.timeline": (
        "直近12か月の売上のうち{repeat_share}がリピートと定期購入からです。この期間に{lost}人が離脱しました。",
        "In the last 12 months {repeat_share} of revenue came from repeat and subscription purchases; {lost} customers lapsed.",
    ),
    "act.timeline.new": (
        "売上が新規頼みです。獲得を増やす前に、初回購入者のフォローを整えてください。",
        "Sales lean on new customers: fix the follow-up of first-time buyers before buying more acquisition.",
    ),
    "act.timeline.repeat": (
        "既存顧客が売上を支えています。離脱が増えている月の前後に何があったかを確かめてください。",
        "Existing customers carry the sales: check what happened around the months when lapses rose.",
    ),
    "tk.cohorts": (
        "初回購入から3か月後も買い続けている顧客は平均{m3}、{months}か月後の顧客1人あたり累積売上は平均{ltv}です。",
        "On average {m3} of a cohort still buys 3 months after the first purchase; after {months} months a customer has "
        "brought {ltv}.",
    ),
    "act.cohorts": (
        "直近のコホートの曲線が過去より低ければ、獲得経路か初回の体験が変わっています。そこから見直してください。",
        "If recent cohorts run below older ones, acquisition or the first experience changed: look there first.",
    ),
    "act.cohorts.lower": (
        "直近6コホートの3か月時点のLTVは、それ以前より{change}低くなっています。獲得経路か初回の体験の変化を確かめてください。",
        "The last six cohorts are worth {change} less at month 3 than older ones: check what changed in acquisition or "
        "the first experience.",
    ),
    "act.cohorts.holding": (
        "直近6コホートの3か月時点のLTVは、それ以前と比べて{change}で、ほぼ保たれています。初回の体験を保ちつつ、2回目への後押しに集中してください。",
        "At month 3 the last six cohorts are worth {change} compared with older ones, about the same: keep the first "
        "experience as it is and focus on the second purchase.",
    ),
    "tk.f2": (
        "初回購入者の{never}がまだ2回目を買っていません。2回目を買った人の半数は{days}以内に戻っています。",
        "{never} of first-time buyers have not bought again; half of those who do return within {days}.",
    ),
    "act.f2": (
        "初回購入から{days}以内に、使い方の案内やフォローの連絡を届けてください（割引より先に安心を）。",
        "Reach first-time buyers within {days} with a how-to guide or a follow-up (reassurance before discounts).",
    ),
    "tk.intervals": (
        "「{category}」は再購入の半分が{median}以内、8割が{p80}以内です。",
        "For {category}, half of repurchases come within {median} and 80% within {p80}.",
    ),
    "act.intervals": (
        "カテゴリごとに、中央値の日にフォローを送り、80%点までに買わなければもう一度様子を伺ってください。",
        "Time follow-ups per category: contact at the median day, and check in again by the 80th percentile.",
    ),
    "tk.rfm": (
        "R4以上かつF4以上の{n}人（顧客の{share}）が売上の{rev_share}を占めています。",
        "The {n} customers with R≥4 and F≥4 ({share} of customers) bring {rev_share} of revenue.",
    ),
    "act.rfm": (
        "この層には割引よりも感謝と個別の対応を。R2以下でF3以上の{winback}人は、離れる前に声をかけてください。",
        "Give this group thanks and personal attention rather than discounts; reach the {winback} customers with R≤2 and F≥3 before they leave.",
    ),
    "tk.cpm": (
        "現役の「初回」顧客が{first}人（{first_share}）います。離脱した「優良」顧客は{lost_loyal}人です。",
        "{first} active customers ({first_share}) are first-time buyers; {lost_loyal} once-loyal customers have lapsed.",
    ),
    "act.cpm": (
        "現役の「初回」を「よちよち」へ進めることが最も大きな伸びしろです。離脱した優良顧客には個別に連絡を。",
        "Moving active first-time buyers to budding is the largest lever; contact lapsed loyal customers one by one.",
    ),
    "tk.deciles": (
        "上位10%の顧客が売上の{top1}、上位20%が{top2}を占めています。",
        "The top 10% of customers bring {top1} of revenue, the top 20% bring {top2}.",
    ),
    "act.deciles": (
        "上位デシルの顧客が冷えていないかを毎月確かめ、下位デシルには2回目の購入を促す安心材料を。",
        "Check every month that top-decile customers are not cooling; give lower deciles reassurance towards a second purchase.",
    ),
    "tk.stages": (
        "最も多いのは「{stage}」の{n}人（{share}）です。{cooling}人が冷えつつあり、{lapsed}人が離脱しています。",
        "The largest stage is {stage} with {n} customers ({share}); {cooling} are cooling and {lapsed} have lapsed.",
    ),
    "act.stages": (
        "「{stage}」にいる間に冷えた（離脱した）顧客の割合が最も高く（{cooled}）、ここの体験を最優先で見直してください。",
        "{stage} loses the most customers ({cooled} cooled there): review the experience at this stage first.",
    ),
    "tk.journey": (
        "最も大きな落ち込みは「{a}」から「{b}」で、進むのは{conv}です。",
        "The biggest drop is from {a} to {b}: only {conv} move on.",
    ),
    "act.journey": (
        "この段の次の一歩を、早すぎず遅すぎないタイミングで後押ししてください。",
        "Help customers take this step, neither too early nor too late.",
    ),
    "tk.clv": (
        "P(alive) が0.5以上の顧客は{alive}人です。累計{thr}以上買った顧客のうち{cooling}人が冷えつつあります。",
        "{alive} customers have P(alive) of 0.5 or more; {cooling} customers who spent over {thr} are cooling.",
    ),
    "act.clv": (
        "冷えつつある高価値顧客には、一斉配信ではなく個別の連絡を最優先で。",
        "Contact the valuable customers who are cooling personally and first, not through a broadcast.",
    ),
    "tk.holdout": (
        "直近{weeks}週を検証期間として取り分けてモデルを当てはめると、その期間のリピート購入数は実績{actual}回に対して予測{expected}回（差{error}）でした。",
        "With the last {weeks} weeks held out, the model expected {expected} repeat purchases in them against {actual} actual ({error} off).",
    ),
    "tk.actions": (
        "「{tactic}」を全員に送ると、今日は{blocked}人（{share}）がゲートで止められます。",
        "Sending {tactic} to everyone today, the gate would block {blocked} customers ({share}).",
    ),
    "act.actions": (
        "配信前に必ずゲートを通し、ステージごとの推奨施策から選んでください。",
        "Run every campaign through the gate and pick tactics from each stage's recommendations.",
    ),
    "tk.quality": (
        "{read}行のうち{accepted}行を取り込み、{quarantined}行を隔離しました（主な理由：{reason}）。{duplicates}行は重複または変更なしです。",
        "{accepted} of {read} rows were imported and {quarantined} quarantined (mostly: {reason}); {duplicates} were duplicates or unchanged.",
    ),
    "tk.quality_clean": (
        "{read}行のうち{accepted}行を取り込み、{duplicates}行は重複または変更なしでした。隔離した行はありません。",
        "{accepted} of {read} rows were imported and {duplicates} were duplicates or unchanged; no row was quarantined.",
    ),
    "act.quality": (
        "隔離フォルダのCSVで理由を確かめ、元データを直して取り込み直してください。",
        "Check the reasons in the quarantine CSVs, fix the source export and import it again.",
    ),
    "act.quality_clean": ("取り込みに問題はありません。", "The import needs no attention."),
    "t.goal": ("目指すこと", "Goal"),
    "t.current": ("現在の顧客数", "Now in stage"),
    "note.movement": (
        "全期間の月末ごとのスナップショット（最後は基準日）から計算。「次へ進んだ」はそのステージに入ってから半年以内に上のステージへ移った割合、"
        "「停滞」は現在そのステージにいる顧客のうち、上へ進んだ人の80%点より長く留まっている（離脱していない）顧客の割合、「冷えた」はそのステージにいる間に離脱した割合です。",
        "From snapshots at every month end of the whole history (the last one on the as-of day). Moved up: share who "
        "reached a higher stage within half a year of entering; stalled: share of those now in the stage (not lapsed) who have stayed longer than 80% of those who moved up; cooled: share "
        "who lapsed while in the stage.",
    ),
    "t.cooling": ("冷えつつある・離脱した顧客へ", "For cooling or lapsed customers"),
    "t.in_stage": ("顧客数（ステージ全体）", "Customers in the stage"),
    "t.n_active": ("うち活発", "of them active"),
    "t.n_cooling_lapsed": ("うち冷えつつある・離脱", "of them cooling or lapsed"),
    # one sentence each, next to two numbers that differ for a reason
    "ex.actions": (
        "顧客数は「関係ステージ」の節と同じくそのステージの全員で、「すること」は活発な顧客に、その右の列は冷えつつある顧客と離脱した顧客に向けた施策です（次の一手と同じ分け方）。",
        "Customers counts everyone in the stage, as the relationship-stage section does; “Do” is for the active ones and "
        "the column after it for those cooling or lapsed, the same split the next best action uses.",
    ),
    "ex.journey_days": (
        "ステップは順番どおりとは限らず、あるステップを飛ばした顧客や後のステップと同じ日以降に達した顧客はその後のステップの日に達したものと数えるため前段からの日数が0日になり、中央値0日はその段の顧客の半数以上がそうだったことを示します。",
        "Steps are not always taken in order: a customer who skipped a step, or took it no earlier than a later one, "
        "counts as reaching it on the later step's day, so their days from the previous step are 0, and a median of "
        "0 days means at least half of that step's customers did so.",
    ),
    "ex.alive_active": (
        "この数は概要の現役顧客数（{active}人、最終購入から{days}未満）とは別のもので、P(alive) は購入のパターンから見た「まだ離れていない」確率のため、0.5以上の{alive}人のうち{inactive}人は{days}以上購入がなく、そのうち{once}人は1回だけの購入者です（1回きりの人が離れたのかどうかは、モデルにはまだ見分けられません）。",
        "This differs from the {active} active customers of the overview (a purchase within the last {days}): "
        "P(alive) is the model's estimate, from each buyer's pattern of purchases, that they have not left for good, "
        "so {inactive} of the {alive} with P(alive) ≥ 0.5 have not bought for {days} or more, {once} of them one-time "
        "buyers whom the model cannot yet tell apart from those who will return.",
    ),
    "ex.cooling_alive": (
        "「冷えつつある」は最終購入からの日数をその顧客自身の普段の購入間隔と比べて決まり、P(alive) は温度を下げる方向にしか働かないため、自分のリズムより遅れている顧客はモデルの P(alive) が高くても「冷えつつある」になります。",
        "Cooling compares the days since a customer's last purchase with that customer's own usual interval, and "
        "P(alive) can only make a customer colder, never warmer, so a customer late by their own rhythm is cooling "
        "even when the model's P(alive) is still high.",
    ),
    "none": ("なし", "none"),

}

STAGES = ("observer", "landing", "empathy", "engagement", "circulation")
STAGE_NAMES: Labels = {
    "observer": ("観測", "Observer"),
    "landing": ("着地", "Landing"),
    "empathy": ("共感", "Empathy"),
    "engagement": ("関与", "Engagement"),
    "circulation": ("循環", "Circulation"),
}
JOURNEY_STEPS = ("lead", "trial", "repeat", "subscription", "cross_sell", "full_line", "advocate")
JOURNEY_NAMES: Labels = {
    "lead": ("1 見込み客（登録・資料請求）", "1 Lead (signed up)"),
    "trial": ("2 初回購入", "2 First purchase"),
    "repeat": ("3 リピート購入", "3 Repeat purchase"),
    "subscription": ("4 定期購入", "4 Subscription"),
    "cross_sell": ("5 関連商品の購入", "5 Related products"),
    "full_line": ("6 幅広く購入", "6 Buys across the range"),
    "advocate": ("7 紹介してくれる顧客", "7 Advocate who refers others"),
}
TEMPERATURES = ("active", "cooling", "lapsed")
TEMPERATURE_NAMES: Labels = {
    "active": ("活発", "Active"),
    "cooling": ("冷えつつある", "Cooling"),
    "lapsed": ("離脱", "Lapsed"),
}
# Kinds of quarantine reasons written by horetsu.io (unknown kinds are shown as they are).
REASON_NAMES: Labels = {
    "missing_value": ("必須項目が空", "Required value missing"),
    "invalid_date": ("日付として読めない", "Not a date"),
    "date_in_future": ("今日より後の注文日", "Order dated after today"),
    "date_too_early": ("あり得ないほど古い注文日", "Order dated before any plausible start"),
    "negative_total": ("返品・返金でないのにマイナスの合計", "Negative total on an order that is no refund"),
    "unfinished_order": ("決済・購入処理が終わっていない注文", "Checkout never finished"),
    "invalid_amount": ("金額として読めない", "Not a yen amount"),
    "invalid_quantity": ("数量として読めない", "Not a quantity"),
    "invalid_value": ("値が正しくない", "Invalid value"),
    "unknown_status": ("不明な注文ステータス", "Unknown order status"),
    "unknown_event_type": ("不明なイベント種別", "Unknown event type"),
    "columns": ("列の数が見出しと合わない", "Wrong number of columns"),
    "parse": ("引用符が崩れていて読めない", "Broken quoting"),
    "conflicting_order": ("同じ注文の行どうしで内容が食い違う", "Rows of one order disagree"),
    "order_rejected": ("同じ注文の先頭行が隔離された", "Another row of the order was rejected"),
}
# A kind added later and not yet named above: shown with its code, never untranslated in Japanese.
OTHER_REASON: tuple[str, str] = ("その他の理由（{kind}）", "Other ({kind})")

CPM_SEGMENTS = ("first_time", "budding", "steady", "trend", "loyal")
CPM_NAMES: Labels = {
    "first_time": ("初回", "First-time"),
    "budding": ("よちよち", "Budding"),
    "steady": ("コツコツ", "Steady"),
    "trend": ("流行", "Trend"),
    "loyal": ("優良", "Loyal"),
}


@dataclass(frozen=True)
class Tr:
    """Labels and number formats for one language."""

    lang: str = "ja"

    @property
    def ja(self) -> bool:
        return self.lang == "ja"

    def __call__(self, key: str, **values: Any) -> str:
        return self.text(LABELS, key, **values)

    def text(self, labels: Labels, key: str, **values: Any) -> str:
        """A label of ``labels`` (this module's or a section's own) in the report's language, formatted."""
        ja, en = labels[key]
        text = ja if self.ja else en
        return text.format(**values) if values else text

    def pick(self, labels: Labels, key: Any, default: str | None = None) -> str:
        """A name from another catalogue (stage, CPM cell...); unknown keys shown as is."""
        pair = labels.get(str(key))
        if pair is None:
            return default if default is not None else str(key)
        return pair[0] if self.ja else pair[1]

    def stage(self, key: Any) -> str:
        return self.pick(STAGE_NAMES, key)

    def reason(self, kind: Any) -> str:
        """A quarantine reason kind in words (an unnamed kind keeps its code inside a sentence)."""
        return self.pick(REASON_NAMES, kind, default=OTHER_REASON[0 if self.ja else 1].format(kind=kind))

    # ---------------------------------------------------------------- numbers
    def num(self, n: Any) -> str:
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return "–"
        return f"{round(float(n)):,}"

    def yen(self, n: Any) -> str:
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return "–"
        return f"{round(float(n)):,}円" if self.ja else f"¥{round(float(n)):,}"

    def pct(self, x: Any, digits: int = 1) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "–"
        return f"{float(x) * 100:.{digits}f}%"

    def signed_pct(self, x: Any, digits: int = 1) -> str:
        """A change with its sign: +3.2% / -1.0%."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "–"
        return f"{float(x) * 100:+.{digits}f}%"

    def days(self, n: Any) -> str:
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return "–"
        n = round(float(n))
        return f"{n:,}日" if self.ja else (f"{n:,} day" if n == 1 else f"{n:,} days")

    def people(self, n: Any) -> str:
        text = self.num(n)
        return f"{text}人" if self.ja else text
