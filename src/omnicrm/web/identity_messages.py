"""Russian texts of the identity review page's operator controls (thresholds, bulk decisions,
circuit breaker, threshold chart)."""

RU = {
    "Approve every suggestion scoring at least": "Подтвердить все предложения с оценкой от",
    "Approved {approved}, rejected {rejected}, closed as stale {stale}": (
        "Подтверждено: {approved}, отклонено: {rejected}, закрыто как устаревшие: {stale}"
    ),
    "Automatic merging is stopped": "Автоматическое объединение остановлено",
    "Automatic merging runs again": "Автоматическое объединение снова работает",
    "Breaker: batches in the baseline": "Предохранитель: пакетов в базовом уровне",
    "Breaker: never below (merges)": "Предохранитель: не меньше (объединений)",
    "Breaker: times the baseline": "Предохранитель: во сколько раз выше базового",
    "Decide": "Решить",
    "Decide in bulk": "Решить разом",
    "Estimated from the {n} decisions people made one by one in this queue ({approved} approved,"
    " {rejected} rejected): precision at a threshold = approved / decided among the suggestions"
    " scoring at least it; recall = approved scoring at least it / all approved. Bulk decisions"
    " are left out, and only pairs that reached the queue count, so recall is of the pairs people"
    " confirmed, not of every true pair.": (
        "Оценка по {n} решениям, принятым людьми по одному в этой очереди (подтверждено"
        " {approved}, отклонено {rejected}): точность при пороге = подтверждённые / решённые среди"
        " предложений с оценкой не ниже порога; полнота = подтверждённые с оценкой не ниже порога"
        " / все подтверждённые. Решения разом не учитываются, и считаются только пары, попавшие в"
        " очередь, поэтому полнота — доля подтверждённых людьми пар, а не всех настоящих."
    ),
    "From the merge threshold a pair is merged without review; from the review threshold it"
    " waits here. A batch that merges more than factor × its baseline (the median rate per 1,000"
    " records of the last batches) and more than the floor stops automatic merging.": (
        "С порога объединения пара объединяется без проверки, с порога проверки ждёт здесь."
        " Пакет, объединивший больше, чем множитель × базовый уровень (медиана на 1 000 записей"
        " последних пакетов), и больше минимума, останавливает автоматическое объединение."
    ),
    "Held back from an automatic merge: {reason}": (
        "Задержано вместо автоматического объединения: {reason}"
    ),
    "Merge from (probability)": "Объединять с (вероятность)",
    "No decisions yet: the threshold chart appears once people have approved or rejected"
    " suggestions one by one.": (
        "Решений пока нет: график порогов появится, когда люди подтвердят или отклонят"
        " предложения по одному."
    ),
    "Reject every suggestion scoring below": "Отклонить все предложения с оценкой ниже",
    "Resume automatic merging": "Возобновить автоматическое объединение",
    "Review from (probability)": "На проверку с (вероятность)",
    "Settings saved: the next batch uses them": "Настройки сохранены: их применит следующий пакет",
    "Since {since}: {reason}": "С {since}: {reason}",
    "Stream batch (records)": "Пакет потока (записей)",
    "Thresholds and circuit breaker": "Пороги и предохранитель",
    "Waiting: {pending} · approved: {approved} · rejected: {rejected} · closed as stale: {stale}": (
        "Ждут: {pending} · подтверждено: {approved} · отклонено: {rejected} · устарели: {stale}"
    ),
    "What would have merged waits below, marked with the reason. Close the breaker when the cause"
    " is fixed.": (
        "То, что объединилось бы, ждёт ниже с указанием причины. Включите объединение снова,"
        " когда причина устранена."
    ),
    "precision": "точность",
    "recall": "полнота",
    "threshold (match probability)": "порог (вероятность совпадения)",
    "Precision and recall vs threshold (dotted: review and merge now)": (
        "Точность и полнота в зависимости от порога (пунктир: пороги проверки и объединения)"
    ),
}
