"""Word pools for synthetic companies and people, and the character tables used to mess them up.

Pools are plain tuples so that the generator can index them with numpy arrays. Pinyin travels
with the characters that need it (trade names and person names) so that emails and company
domains look like the Chinese names they belong to.
"""

from __future__ import annotations

# Trade-name (字号) characters with their pinyin.
TRADE_CHARS: tuple[tuple[str, str], ...] = (
    ("华", "hua"), ("信", "xin"), ("宏", "hong"), ("达", "da"), ("鑫", "xin"), ("源", "yuan"),
    ("天", "tian"), ("宇", "yu"), ("金", "jin"), ("盛", "sheng"), ("恒", "heng"), ("通", "tong"),
    ("瑞", "rui"), ("丰", "feng"), ("博", "bo"), ("远", "yuan"), ("创", "chuang"), ("新", "xin"),
    ("海", "hai"), ("中", "zhong"), ("兴", "xing"), ("泰", "tai"), ("安", "an"), ("嘉", "jia"),
    ("祥", "xiang"), ("和", "he"), ("润", "run"), ("德", "de"), ("智", "zhi"), ("诚", "cheng"),
    ("明", "ming"), ("光", "guang"), ("星", "xing"), ("辰", "chen"), ("益", "yi"), ("汇", "hui"),
    ("联", "lian"), ("讯", "xun"), ("东", "dong"), ("方", "fang"), ("国", "guo"), ("广", "guang"),
    ("发", "fa"), ("开", "kai"), ("永", "yong"), ("隆", "long"), ("晟", "sheng"), ("弘", "hong"),
    ("锦", "jin"), ("启", "qi"), ("航", "hang"), ("腾", "teng"), ("飞", "fei"), ("凯", "kai"),
    ("越", "yue"), ("卓", "zhuo"), ("峰", "feng"), ("云", "yun"), ("龙", "long"), ("万", "wan"),
    ("佳", "jia"), ("美", "mei"), ("康", "kang"), ("立", "li"), ("坤", "kun"), ("诺", "nuo"),
    ("尚", "shang"), ("聚", "ju"), ("力", "li"), ("正", "zheng"), ("威", "wei"), ("电", "dian"),
)

# Whole trade names with Latin letters or digits (where full-width forms show up).
LATIN_TRADES: tuple[tuple[str, str], ...] = (
    ("易U", "yiu"), ("A8", "a8"), ("云818", "yun818"), ("E路", "elu"), ("优品365", "youpin365"),
    ("K8", "k8"), ("IT家", "itjia"), ("3D云", "3dyun"),
)

# Industry words (行业表述). Agricultural words go with 专业合作社.
INDUSTRIES: tuple[str, ...] = (
    "科技", "贸易", "建材", "信息技术", "电子商务", "餐饮管理", "网络科技", "实业", "物流",
    "机械设备", "医疗器械", "文化传媒", "环保科技", "软件", "企业管理咨询", "装饰工程", "广告",
    "电气", "供应链管理", "新能源", "生物科技", "汽车销售", "纺织", "电子", "智能科技",
)
AGRI_INDUSTRIES: tuple[str, ...] = ("种植", "养殖", "果蔬", "茶叶", "农机")
INDUSTRY_PINYIN: dict[str, str] = {
    "科技": "tech", "贸易": "trade", "建材": "jiancai", "信息技术": "it", "电子商务": "ec",
    "餐饮管理": "food", "网络科技": "net", "实业": "group", "物流": "logistics", "机械设备": "machine",
    "医疗器械": "medical", "文化传媒": "media", "环保科技": "eco", "软件": "soft",
    "企业管理咨询": "consulting", "装饰工程": "deco", "广告": "ad", "电气": "electric",
    "供应链管理": "scm", "新能源": "energy", "生物科技": "bio", "汽车销售": "auto", "纺织": "textile",
    "电子": "elec", "智能科技": "ai", "种植": "farm", "养殖": "farm", "果蔬": "fruit", "茶叶": "tea",
    "农机": "agri",
}

# Organisation forms: (canonical, weight, credit-code type digit, how people shorten or vary it).
ORG_FORMS: tuple[tuple[str, float, str, str], ...] = (
    ("有限公司", 0.46, "1", "有限责任公司"),
    ("有限责任公司", 0.20, "1", "有限公司"),
    ("股份有限公司", 0.08, "1", "股份公司"),
    ("集团有限公司", 0.05, "1", "集团公司"),
    ("合伙企业（有限合伙）", 0.07, "1", "合伙企业(有限合伙)"),
    ("个人独资企业", 0.06, "1", "独资企业"),
    ("专业合作社", 0.08, "3", "合作社"),
)
COOPERATIVE = "专业合作社"
BRANCH_SUFFIX = "分公司"

SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("欧阳", "ouyang"), ("司马", "sima"),
)
GIVEN_CHARS: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("英", "ying"), ("华", "hua"), ("建", "jian"),
    ("文", "wen"), ("辉", "hui"), ("鹏", "peng"), ("婷", "ting"), ("玲", "ling"), ("宇", "yu"),
    ("浩", "hao"), ("欣", "xin"), ("晨", "chen"), ("雪", "xue"), ("琳", "lin"), ("斌", "bin"),
)
CONTACT_TITLES: tuple[str, ...] = ("经理", "总", "（采购）", " 财务", "主管")

ROADS: tuple[str, ...] = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "胜利路", "文化路", "友谊路",
    "科技路", "创业路", "长江路", "黄河路", "青年路", "光明路", "工业大道", "高新大道", "滨河路",
    "学院路", "迎宾大道",
)
BUILDINGS: tuple[str, ...] = ("大厦", "广场", "科技园", "商务中心", "产业园")

# Real mobile prefixes (三大运营商 and virtual operators, 13x-19x).
MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150",
    "151", "152", "153", "155", "156", "157", "158", "159", "162", "165", "166", "167", "170",
    "171", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186",
    "187", "188", "189", "190", "191", "192", "193", "195", "196", "197", "198", "199",
)

FREE_MAIL: tuple[str, ...] = (
    "qq.com", "163.com", "126.com", "sina.com", "sohu.com", "139.com", "foxmail.com", "aliyun.com",
    "gmail.com", "hotmail.com", "outlook.com",
)
# Domains as people mistype them.
MAIL_TYPOS: dict[str, str] = {
    "qq.com": "qq.con", "163.com": "163.cm", "126.com": "126.con", "sina.com": "sina.comm",
    "sohu.com": "souhu.com", "139.com": "139.con", "foxmail.com": "foxmial.com",
    "aliyun.com": "aliyun.con", "gmail.com": "gmial.com", "hotmail.com": "hotmial.com",
    "outlook.com": "outlok.com",
}

# Simplified -> traditional for the characters that occur in the pools above (a small table, not a converter).
TRADITIONAL: dict[str, str] = dict(zip(
    "华讯电开发贸业国东广达丰远创兴润诚汇联锦启腾飞凯龙万云门庆汉长岛济宁无锡苏郑阳连尔滨乌鲁齐兰贵庄"
    "网络实设备机医疗传环软询装饰气农种团个独资专责术务饮区号楼层厦纺织车药运输际乐产业园场伟丽强军艳杰"
    "娟涛刚辉鹏婷玲琳斌马刘陈杨黄赵吴孙郭罗郑梁谢许韩冯邓欧阳宝顺义关门经理总财采购营销售应链管咨询"
    "广电气新能源汽卫视",
    "華訊電開發貿業國東廣達豐遠創興潤誠匯聯錦啟騰飛凱龍萬雲門慶漢長島濟寧無錫蘇鄭陽連爾濱烏魯齊蘭貴莊"
    "網絡實設備機醫療傳環軟詢裝飾氣農種團個獨資專責術務飲區號樓層廈紡織車藥運輸際樂產業園場偉麗強軍艷傑"
    "娟濤剛輝鵬婷玲琳斌馬劉陳楊黃趙吳孫郭羅鄭梁謝許韓馮鄧歐陽寶順義關門經理總財採購營銷售應鏈管諮詢"
    "廣電氣新能源汽衛視",
    strict=True,
))
TRADITIONAL = {k: v for k, v in TRADITIONAL.items() if k != v}
