"""What the labels mean to people: Chinese names, responsible offices, and warning levels.

One source for every page, e-mail and dashboard (taxonomy: ../shared/spec/taxonomy.md). The codes
themselves are defined with the records (``sheqing.records``).
"""

from __future__ import annotations

from .records import ALERT_LEVELS, CATEGORIES, RISKS

__all__ = [
    "CATEGORY_NAMES", "RISK_NAMES", "SENTIMENT_NAMES", "ALERT_LEVEL_NAMES", "ALERT_STATUS_NAMES", "OFFICES",
    "LEVEL_BY_RISK", "LEVEL_COLOURS", "level_at_least", "NUMBER_LABELS", "alert_numbers",
]

CATEGORY_NAMES = {
    "public_order": "社会治安", "mass_fraud": "涉众经济风险", "fire_safety": "消防安全",
    "utilities": "水电气暖与公共设施", "building_safety": "房屋与施工安全", "property_mgmt": "物业与小区管理",
    "housing_land": "征拆与住房保障", "environment": "环境与噪音扰民", "traffic": "交通出行安全",
    "food_drug": "食品药品安全", "health": "医疗卫生与疫情", "labor": "劳资纠纷与社保",
    "neighbor_dispute": "邻里与家庭纠纷", "school_safety": "校园及周边安全", "other": "其他",
}
RISK_NAMES = {"none": "无风险", "low": "低（蓝）", "medium": "中（黄）", "high": "高（橙）", "critical": "危急（红）"}
SENTIMENT_NAMES = {"negative": "负面", "neutral": "中性", "positive": "正面"}
ALERT_LEVEL_NAMES = {"blue": "蓝色预警", "yellow": "黄色预警", "orange": "橙色预警", "red": "红色预警"}
ALERT_STATUS_NAMES = {"new": "待处理", "acknowledged": "已确认", "resolved": "已办结"}

# the taxonomy's "typical responsible office" per category
OFFICES = {
    "public_order": "公安派出所", "mass_fraud": "公安经侦、金融办、市场监管", "fire_safety": "消防救援、物业、街道",
    "utilities": "市政/城管、燃气/供水/供电企业、特种设备监管", "building_safety": "住建、城管执法",
    "property_mgmt": "住建物业科、街道社区", "housing_land": "征收办、住建、自然资源", "environment": "生态环境、城管",
    "traffic": "交警、交通运输", "food_drug": "市场监管", "health": "卫健、疾控", "labor": "人社、劳动监察",
    "neighbor_dispute": "社区调解、派出所", "school_safety": "教育局、公安", "other": "街道综合办",
}

# the four Chinese warning colours follow the risk scale: low blue, medium yellow, high orange, critical red
LEVEL_BY_RISK = {"low": "blue", "medium": "yellow", "high": "orange", "critical": "red"}
LEVEL_COLOURS = {"blue": "#1f6fd1", "yellow": "#e0a800", "orange": "#e8590c", "red": "#c92a2a"}


def level_at_least(level: str, minimum: str) -> bool:
    """Whether warning ``level`` is at or above ``minimum`` (blue < yellow < orange < red)."""
    return ALERT_LEVELS.index(level) >= ALERT_LEVELS.index(minimum)


# readable names of the figures rules put in ``Alert.numbers``; other keys are shown as they are
NUMBER_LABELS = {
    "count": "窗口内帖子数", "posts": "相关帖子数", "authors": "涉及发帖人数（去重）", "expected": "平常帖子数（基线均值）",
    "spread": "基线波动（标准差）", "z": "偏离程度（标准差倍数）", "p_value": "显著性 p 值",
    "baseline_days": "基线天数", "window_hours": "统计窗口（小时）", "risk_level": "风险等级", "risk": "风险等级",
    "risk_score": "风险概率", "keywords": "关键词", "baseline_mean": "基线均值", "baseline_sd": "基线标准差",
    "ratio": "相对基线倍数", "z_score": "Z 分数", "threshold": "阈值", "topic_size": "话题帖子数", "growth": "新增帖子数",
    "sites": "涉及论坛数", "replies": "回复数",
}


def alert_numbers(numbers: dict) -> list[tuple[str, str]]:
    """An alert's figures as (Chinese label, text) pairs, in the order the rule gave them."""
    return [(NUMBER_LABELS.get(key, key), _number_text(key, value)) for key, value in numbers.items()]


def _number_text(key: str, value) -> str:
    if key in ("risk_level", "risk"):
        if isinstance(value, str):
            return RISK_NAMES.get(value, value)
        if isinstance(value, int) and 0 <= value < len(RISKS):
            return RISK_NAMES[RISKS[value]]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if key == "p_value" or abs(value) < 0.01:
            return f"{value:.2g}"
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


assert set(CATEGORY_NAMES) == set(CATEGORIES) == set(OFFICES) and set(RISK_NAMES) == set(RISKS)
