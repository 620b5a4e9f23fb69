/*
** words.c — the analyzer's cue words, written for khabar: postpositions and
** function words that frame a name (X نے، X کا کہنا، Y سے ملاقات), speech verbs,
** titles and demonyms that stand before names, meeting/visit triggers,
** weekdays and tense markers for dates.  Each form is normalized with
** kh_normalize when an analyzer is created (words.c is data, not rules).
*/
#include "analyze.h"

#define W(form, cls) {form, cls, 0}
#define WV(form, cls, v) {form, cls, v}

const kh__word kh__words[] = {
    /* postpositions and connectives */
    W("نے", KH__W_NE), W("کو", KH__W_KO), W("سے", KH__W_SE),
    W("کا", KH__W_GEN), W("کی", KH__W_GEN), W("کے", KH__W_GEN),
    W("میں", KH__W_LOCPOST), W("پر", KH__W_LOCPOST), W("تک", KH__W_LOCPOST),
    W("اور", KH__W_AND), W("کہ", KH__W_KI),
    /* speech verbs */
    W("کہا", KH__W_SAY), W("بتایا", KH__W_SAY), W("کہنا", KH__W_SAY | KH__W_KAHNA),
    W("کہتے", KH__W_SAY), W("کہتی", KH__W_SAY), W("کہتا", KH__W_SAY), W("کہی", KH__W_SAY),
    W("بتاتے", KH__W_SAY), W("بتاتی", KH__W_SAY), W("بولے", KH__W_SAY), W("لکھا", KH__W_SAY),
    W("پوچھا", KH__W_SAY),
    /* pronoun subjects */
    W("انہوں", KH__W_PRON), W("انھوں", KH__W_PRON), W("اس", KH__W_PRON), W("ان", KH__W_PRON),
    W("وہ", KH__W_PRON), W("جنہوں", KH__W_REL), W("جنھوں", KH__W_REL),
    /* titles, offices and role nouns that stand before names */
    W("صدر", KH__W_TITLE), W("صدور", KH__W_TITLE), W("وزیر", KH__W_TITLE), W("اعظم", KH__W_TITLE),
    W("وزیراعظم", KH__W_TITLE), W("وزیراعلی", KH__W_TITLE), W("وزیراعلیٰ", KH__W_TITLE),
    W("اعلیٰ", KH__W_TITLE), W("اعلی", KH__W_TITLE), W("خارجہ", KH__W_TITLE), W("خزانہ", KH__W_TITLE),
    W("داخلہ", KH__W_TITLE), W("دفاع", KH__W_TITLE), W("اطلاعات", KH__W_TITLE),
    W("ترجمان", KH__W_TITLE), W("چیئرمین", KH__W_TITLE), W("جنرل", KH__W_TITLE),
    W("سیکرٹری", KH__W_TITLE), W("سیکریٹری", KH__W_TITLE), W("گورنر", KH__W_TITLE),
    W("جسٹس", KH__W_TITLE), W("چیف", KH__W_TITLE), W("مولانا", KH__W_TITLE), W("ڈاکٹر", KH__W_TITLE),
    W("سینیٹر", KH__W_TITLE), W("سفیر", KH__W_TITLE), W("کمانڈر", KH__W_TITLE), W("میئر", KH__W_TITLE),
    W("ماہر", KH__W_TITLE), W("ماہرین", KH__W_TITLE), W("سفارت", KH__W_TITLE), W("کار", KH__W_TITLE),
    W("سفارتکار", KH__W_TITLE), W("رہنما", KH__W_TITLE), W("رہنمائوں", KH__W_TITLE),
    W("رہنماؤں", KH__W_TITLE), W("لیڈر", KH__W_TITLE), W("سربراہ", KH__W_TITLE),
    W("سربراہان", KH__W_TITLE), W("منصب", KH__W_TITLE), W("ہم", KH__W_TITLE), W("کپتان", KH__W_TITLE),
    W("کوچ", KH__W_TITLE), W("مشیر", KH__W_TITLE), W("معاون", KH__W_TITLE), W("خصوصی", KH__W_TITLE | KH__W_MODIFIER),
    W("نائب", KH__W_TITLE), W("رکن", KH__W_TITLE), W("اسپیکر", KH__W_TITLE), W("سپیکر", KH__W_TITLE),
    W("قائد", KH__W_TITLE), W("امیر", KH__W_TITLE), W("پروفیسر", KH__W_TITLE), W("مارشل", KH__W_TITLE),
    W("ایڈمرل", KH__W_TITLE), W("بریگیڈیئر", KH__W_TITLE), W("کرنل", KH__W_TITLE), W("میجر", KH__W_TITLE),
    W("جناب", KH__W_TITLE), W("محترمہ", KH__W_TITLE), W("سرکردہ", KH__W_TITLE), W("سابق", KH__W_TITLE),
    W("سینئر", KH__W_TITLE), W("تجزیہ", KH__W_TITLE), W("نگار", KH__W_TITLE), W("صحافی", KH__W_TITLE),
    W("عہدیدار", KH__W_TITLE), W("حکام", KH__W_TITLE), W("افسر", KH__W_TITLE), W("اہلکار", KH__W_TITLE),
    W("کمشنر", KH__W_TITLE), W("ڈپٹی", KH__W_TITLE), W("وزیرخارجہ", KH__W_TITLE), W("صدارتی", KH__W_TITLE),
    W("ولی", KH__W_TITLE), W("عہد", KH__W_TITLE), W("فرمانروا", KH__W_TITLE), W("بادشاہ", KH__W_TITLE),
    /* demonyms */
    W("روسی", KH__W_DEMONYM), W("چینی", KH__W_DEMONYM), W("ترک", KH__W_DEMONYM),
    W("پاکستانی", KH__W_DEMONYM), W("امریکی", KH__W_DEMONYM), W("بھارتی", KH__W_DEMONYM),
    W("ایرانی", KH__W_DEMONYM), W("افغان", KH__W_DEMONYM), W("سعودی", KH__W_DEMONYM),
    W("برطانوی", KH__W_DEMONYM), W("اسرائیلی", KH__W_DEMONYM), W("یوکرینی", KH__W_DEMONYM),
    W("قازق", KH__W_DEMONYM), W("فلسطینی", KH__W_DEMONYM), W("بیلاروسی", KH__W_DEMONYM),
    W("آذربائیجانی", KH__W_DEMONYM), W("منگول", KH__W_DEMONYM), W("منگولین", KH__W_DEMONYM),
    W("جاپانی", KH__W_DEMONYM), W("فرانسیسی", KH__W_DEMONYM), W("جرمن", KH__W_DEMONYM),
    W("اماراتی", KH__W_DEMONYM), W("قطری", KH__W_DEMONYM), W("عراقی", KH__W_DEMONYM),
    W("شامی", KH__W_DEMONYM), W("مصری", KH__W_DEMONYM), W("لبنانی", KH__W_DEMONYM),
    W("یورپی", KH__W_DEMONYM), W("عرب", KH__W_DEMONYM), W("ازبک", KH__W_DEMONYM),
    /* meeting, visit and hosting triggers */
    W("ملاقات", KH__W_MEET), W("ملاقاتیں", KH__W_MEET), W("ملاقاتوں", KH__W_MEET),
    W("مذاکرات", KH__W_MEET), W("چیت", KH__W_MEET), W("گفتگو", KH__W_MEET),
    W("ملے", KH__W_MEET), W("ملیں", KH__W_MEET),
    W("دورہ", KH__W_VISIT), W("دورے", KH__W_VISIT), W("دورۂ", KH__W_VISIT),
    W("پہنچے", KH__W_VISIT), W("پہنچ", KH__W_VISIT), W("پہنچی", KH__W_VISIT), W("پہنچا", KH__W_VISIT),
    W("استقبال", KH__W_HOST), W("میزبانی", KH__W_HOST),
    /* dates */
    WV("پیر", KH__W_WEEKDAY, 0), WV("منگل", KH__W_WEEKDAY, 1), WV("بدھ", KH__W_WEEKDAY, 2),
    WV("جمعرات", KH__W_WEEKDAY, 3), WV("جمعہ", KH__W_WEEKDAY, 4), WV("ہفتہ", KH__W_WEEKDAY, 5),
    WV("ہفتے", KH__W_WEEKDAY, 5), WV("اتوار", KH__W_WEEKDAY, 6),
    W("آج", KH__W_TODAY), W("روز", KH__W_YESTERDAY),
    W("گے", KH__W_FUT), W("گی", KH__W_FUT), W("گا", KH__W_FUT),
    /* frames */
    W("موقع", KH__W_SIDELINE), W("سائیڈ", KH__W_SIDELINE), W("سائڈ", KH__W_SIDELINE),
    W("سائیڈلائنز", KH__W_SIDELINE), W("ساتھ", KH__W_WITH), W("ہمراہ", KH__W_WITH),
    W("درمیان", KH__W_BETWEEN),
    W("ہے", KH__W_AUX), W("ہیں", KH__W_AUX), W("تھا", KH__W_AUX), W("تھے", KH__W_AUX),
    W("تھی", KH__W_AUX), W("تھیں", KH__W_AUX), W("گیا", KH__W_AUX), W("گئی", KH__W_AUX),
    W("جس", KH__W_REL), W("جن", KH__W_REL), W("جو", KH__W_REL),
    W("بھی", KH__W_ALSO), W("مزید", KH__W_ALSO),
    W("اہم", KH__W_MODIFIER), W("دوطرفہ", KH__W_MODIFIER), W("طرفہ", KH__W_MODIFIER),
    W("دو", KH__W_MODIFIER | KH__W_FUNC), W("باضابطہ", KH__W_MODIFIER), W("تفصیلی", KH__W_MODIFIER),
    W("اعلی", KH__W_MODIFIER), W("سطح", KH__W_MODIFIER), W("سطحی", KH__W_MODIFIER),
    W("ایک", KH__W_MODIFIER | KH__W_FUNC), W("پہلا", KH__W_MODIFIER), W("پہلی", KH__W_MODIFIER),
    W("سرکاری", KH__W_MODIFIER), W("غیر", KH__W_MODIFIER),
    /* other function words (they end a name) */
    W("یہ", KH__W_FUNC), W("کیا", KH__W_FUNC), W("کر", KH__W_FUNC), W("کرنے", KH__W_FUNC),
    W("کرتے", KH__W_FUNC), W("گئے", KH__W_FUNC), W("ہو", KH__W_FUNC), W("ہوا", KH__W_FUNC),
    W("ہوئی", KH__W_FUNC), W("ہوئے", KH__W_FUNC), W("تو", KH__W_FUNC), W("ہی", KH__W_FUNC),
    W("نہ", KH__W_FUNC), W("نہیں", KH__W_FUNC), W("لیے", KH__W_FUNC), W("لئے", KH__W_FUNC),
    W("بعد", KH__W_FUNC), W("قبل", KH__W_FUNC), W("پہلے", KH__W_FUNC), W("دوران", KH__W_FUNC),
    W("مطابق", KH__W_FUNC), W("جانب", KH__W_FUNC), W("طرف", KH__W_FUNC), W("بارے", KH__W_FUNC),
    W("علاوہ", KH__W_FUNC), WV("والے", KH__W_FUNC, 1), WV("والی", KH__W_FUNC, 1),
    WV("والا", KH__W_FUNC, 1), W("اپنے", KH__W_FUNC), W("اپنی", KH__W_FUNC), W("اپنا", KH__W_FUNC),
    W("اب", KH__W_FUNC), W("جب", KH__W_FUNC), W("کیونکہ", KH__W_FUNC), W("لیکن", KH__W_FUNC),
    W("مگر", KH__W_FUNC), W("اگر", KH__W_FUNC), W("چند", KH__W_FUNC), W("کچھ", KH__W_FUNC),
    W("سب", KH__W_FUNC), W("ہر", KH__W_FUNC), W("کسی", KH__W_FUNC), W("کوئی", KH__W_FUNC),
    W("دونوں", KH__W_FUNC), W("شاید", KH__W_FUNC), W("بہت", KH__W_FUNC), W("کیے", KH__W_FUNC),
    W("دیا", KH__W_FUNC), W("دی", KH__W_FUNC), W("دیے", KH__W_FUNC), W("رہے", KH__W_FUNC),
    W("رہا", KH__W_FUNC), W("رہی", KH__W_FUNC), W("سکتا", KH__W_FUNC), W("سکتے", KH__W_FUNC),
    W("سکتی", KH__W_FUNC), W("گزشتہ", KH__W_FUNC), W("کل", KH__W_FUNC), W("جبکہ", KH__W_FUNC),
    W("تاہم", KH__W_FUNC), W("بلکہ", KH__W_FUNC), W("یا", KH__W_FUNC), W("بھر", KH__W_FUNC),
    W("خود", KH__W_FUNC), W("انہیں", KH__W_FUNC), W("انھیں", KH__W_FUNC), W("اسے", KH__W_FUNC),
    W("تمام", KH__W_FUNC), W("کئی", KH__W_FUNC), W("ملک", KH__W_FUNC), W("ممالک", KH__W_FUNC),
};

const size_t kh__n_words = sizeof kh__words / sizeof kh__words[0];
