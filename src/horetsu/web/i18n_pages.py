"""Labels of the survey, NPS and diagnosis pages: ``{"key": ("日本語", "English")}`` (merged into
:data:`horetsu.web.i18n.LABELS`)."""

from __future__ import annotations

from horetsu.i18n import Labels

PAGE_LABELS: Labels = {
    "nav.nps": ("NPS", "NPS"),
    "nav.diagnosis": ("事業診断", "Diagnosis"),
    # the public survey page
    "survey.title": ("お客様アンケート", "A short survey"),
    "survey.q_score": (
        "当店を友人や知人にすすめる可能性は、0〜10でどのくらいですか？",
        "How likely are you to recommend us to a friend? (0–10)",
    ),
    "survey.not_likely": ("0 = まったくない", "0 = not at all likely"),
    "survey.very_likely": ("10 = とても高い", "10 = extremely likely"),
    "survey.q_reason": ("その点数をつけたいちばんの理由", "The main reason for your score"),
    "survey.q_improve": ("私たちがもっと良くできることを一つ", "One thing we could do better"),
    "survey.submit": ("送信する", "Send"),
    "survey.need_score": ("0〜10のどれかを選んでください。", "Please choose a number from 0 to 10."),
    "survey.thanks": ("ご回答ありがとうございました。いただいた声を大切にします。",
                      "Thank you for your answer. We read every one."),
    "survey.refused.tampered": ("このアンケートのリンクは正しくないようです。お手数ですがメールのリンクをそのまま開いてください。",
                                "This survey link does not look right; please open the link from the mail as it is."),
    "survey.refused.expired": ("このアンケートは受付期間が終わりました。お気持ちだけでもありがとうございます。",
                               "This survey has closed; thank you all the same."),
    "survey.refused.already_answered": ("このアンケートにはすでにご回答いただいています。ありがとうございました。",
                                        "You have already answered this survey; thank you."),
    "survey.refused.wrong_customer": ("このアンケートのリンクは別のお客様あてのものです。お届けしたメールのリンクからお答えください。",
                                      "This survey link was sent to someone else; please use the link in your own mail."),
    "survey.refused.invalid": ("このアンケートのリンクは使えません。", "This survey link cannot be used."),
}
