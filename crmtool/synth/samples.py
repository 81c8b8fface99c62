"""The small, hand-made sample files in samples/: `python -m crmtool.synth.samples samples/`.

Every value is written out here (no randomness), so the files are the same on every run and
samples/README.md can describe them cell by cell. The same companies appear across the files on
purpose (the migration reads accounts from the workbook and the ERP export, contacts from the
workbook's second sheet, leads from the Unicode export); `truth.csv` says which rows are which company.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

from crmtool.canon.uscc import complete_uscc

WORKBOOK = "销售客户清单.xlsx"
ERP_CSV = "legacy_erp_export.csv"
UNICODE_TXT = "crm_unicode_export.txt"
TRUTH_CSV = "truth.csv"

# Registered companies: key -> (registered name, valid credit code).
COMPANIES: dict[str, tuple[str, str]] = {
    "huaxin_bj": ("北京华信科技有限公司", complete_uscc("91110108MA01HX3K")),
    "huaxin_sh": ("上海华信科技有限公司", complete_uscc("91310115MA1FL2Q8")),
    "huaxin_bj_sh_branch": ("北京华信科技有限公司上海分公司", complete_uscc("91310104MA1K7N5R")),
    "huaxin_sh_ec": ("上海华信电子商务有限公司", complete_uscc("91310104MA1GT6Y3")),
    "xinyuan_sz": ("深圳市鑫源电子商务有限公司", complete_uscc("91440300MA5F3T8W")),
    "hongda_hz": ("杭州宏达建材有限公司", complete_uscc("9133010614325678")),
    "tianrun_gz": ("广州天润贸易有限公司", complete_uscc("91440106MA59C2LX")),
    "jiaxiang_sz": ("嘉祥（苏州）信息技术有限公司", complete_uscc("91320508MA1MUN6P")),
    "jincheng_cd": ("成都锦程餐饮管理有限公司", complete_uscc("91510107MA6C8H2J")),
    "dongfang_wh": ("武汉东方建材股份有限公司", complete_uscc("9142010017771234")),
    "ruifeng_nj": ("南京瑞丰企业管理咨询合伙企业（有限合伙）", complete_uscc("91320115MA1WQ3BR")),
    "haicheng_qd": ("青岛海诚物流有限公司", complete_uscc("91370212MA3C5N7T")),
    "kangyuan_cs": ("长沙康源种植专业合作社", complete_uscc("93430104MA4L2P9K")),
    "qihang_xa": ("西安启航软件有限公司", complete_uscc("91610113MA6W8X1D")),
    "hengtong_xm": ("厦门恒通贸易有限公司", complete_uscc("9135020326013579")),
    "yanda_cq": ("重庆䶮达贸易有限公司", complete_uscc("91500112MA60R3TK")),
    "zhiyuan_bj": ("北京智远网络科技有限公司", complete_uscc("91110105MA00K2LD")),
    "mingguang_tj": ("天津明光电气有限公司", complete_uscc("91120116MA05QE3A")),
}


def code(key: str) -> str:
    return COMPANIES[key][1]


def mistyped(key: str, position: int, char: str) -> str:
    """The company's code with one character replaced (never valid: the mod-31 check catches it)."""
    valid = code(key)
    assert valid[position] != char
    return valid[:position] + char + valid[position + 1:]


def old_tax_number(key: str) -> str:
    """The 15-character tax registration number used before credit codes: division code + organisation code."""
    valid = code(key)
    return valid[2:8] + valid[8:17]


# --- the sales workbook -------------------------------------------------------------------------

WORKBOOK_TITLE = "2025年度客户清单"
WORKBOOK_NOTE = "说明：金额单位为元；手机号由销售自行录入，请勿外传"
WORKBOOK_HEADER = ["客户编号", "客户名称", "统一社会信用代码", "联系人", "手机", "座机", "邮箱", "地址",
                   "首次合作日期", "销售区域", "合同金额"]
D = dt.datetime

# (key, 客户编号, 客户名称, 统一社会信用代码, 联系人, 手机, 座机, 邮箱, 地址, 首次合作日期, 合同金额).
# 手机 ints/floats become number cells; 首次合作日期 datetimes become date cells; 销售区域 comes from REGION_BLOCKS.
WORKBOOK_ROWS: list[tuple] = [
    ("huaxin_bj", "00101", "北京华信科技有限公司", code("huaxin_bj"), "张伟", 13800138000, "010-62551234",
     "zhangwei@huaxin-tech.com", "北京市海淀区中关村大街27号", D(2021, 3, 15), 128000),
    ("huaxin_bj", "00102", "华信（北京）科技有限公司", code("huaxin_bj").lower(), "张伟", 13800138000.0,
     "(010)6255 1234", "zhangwei@huaxin-tech.com", "海淀区中关村大街27号", "2021/3/15", 56000.5),
    ("zhiyuan_bj", "00103", "北京智远网络科技有限公司", code("zhiyuan_bj"), "李娜", 13911112222, "010-85881234转801",
     "lina@zhiyuan.cn", "北京市朝阳区建国路88号SOHO现代城A座1205", "2022年7月1日", 89000),
    ("zhiyuan_bj", "00104", "北京智远网络科技", None, "李娜 经理", "139 1111 2222", None, "lina@zhiyuan.cn",
     "北京市朝阳区建国路88号", "20220701", 12000),
    ("mingguang_tj", 105, "天津明光电气有限公司", code("mingguang_tj"), "赵强", 15122334455, "022-66221188",
     "zhaoqiang@163.com", "天津市滨海新区黄海路19号", D(2020, 11, 2), 230000),
    ("huaxin_bj", "00106", "北京华信科技", mistyped("huaxin_bj", 12, "Q"), "张 伟", "+86 138 0013 8000", None,
     "zhangwei@huaxin-tech.con", "北京市海淀区中关村大街27号3层", "2023.01.05", 8800),
    ("mingguang_tj", "00107", "天津明光電氣有限公司", code("mingguang_tj"), "赵强", 15122334455, None,
     "ZHAOQIANG@163.COM", "天津市滨海新区黄海路１９号", "2020-11-02", "5.6万"),
    ("zhiyuan_bj", "00108", "智远网络", None, "王芳", 18612345678, "85881234", "wangfang@zhiyuan.cn", None,
     D(2024, 2, 29), 30000),
    ("huaxin_sh", "00109", "上海华信科技有限公司", code("huaxin_sh"), "陈静", 13761234567, "021-50801234",
     "chenjing@shhuaxin.com", "上海市浦东新区张江路665号", D(2019, 6, 18), 156000),
    ("huaxin_bj_sh_branch", "00110", "北京华信科技有限公司上海分公司", code("huaxin_bj_sh_branch"), "刘洋",
     13661234568, "021-64381234", "liuyang@huaxin-tech.com", "上海市徐汇区漕溪北路88号", "2022/9/1", 67000),
    ("huaxin_sh_ec", "00111", "上海华信电子商务有限公司", code("huaxin_sh_ec"), "周杰", 17721234569, None,
     "zhoujie@hxec.com.cn", "上海市徐汇区宜山路700号", "2023年3月8日", 45000),
    ("hongda_hz", "00112", "杭州宏达建材有限公司", code("hongda_hz"), "吴敏", 13588889999, "0571-87651234",
     "wumin@hongdajc.com", "浙江省杭州市西湖区文三路90号", D(2018, 4, 20), 98000),
    ("hongda_hz", "00113", "杭州宏达建材有限责任公司", "9133 0106 1432 5678 " + code("hongda_hz")[16:], "吴敏",
     13588889999, "0571 8765 1234", "wumin@hongdajc.com", "杭州市西湖区文三路90号", "20180420", 21000),
    ("jiaxiang_sz", "00114", "嘉祥（苏州）信息技术有限公司", code("jiaxiang_sz"), "徐磊", 18912345670,
     "0512-65201234", "xulei@jiaxiang-it.com", "江苏省苏州市姑苏区人民路1100号", D(2021, 12, 30), 76000),
    ("jiaxiang_sz", "00115", "苏州嘉祥信息技术有限公司", None, "徐磊", 18912345670, None, "xulei@jiaxiang-it.com",
     "苏州市姑苏区人民路1100号", "2021/12/30", 15000),
    ("ruifeng_nj", "00116", "南京瑞丰企业管理咨询合伙企业（有限合伙）", code("ruifeng_nj"), "孙丽", 15850001234,
     "025-52341234", "sunli@ruifeng.net", "江苏省南京市江宁区胜太路77号", "2020.08.17", 40000),
    ("ruifeng_nj", "00117", "南京瑞丰企业管理咨询合伙企业(有限合伙)", code("ruifeng_nj").replace("0", "O", 1), "孙丽",
     15850001234, None, "sunli@ruifeng.net", None, "2020年8月17日", 9000),
    ("xinyuan_sz", "00118", "深圳市鑫源电子商务有限公司", code("xinyuan_sz"), "黄涛", 13923456789,
     "0755-86001234", "huangtao@xinyuan-ec.com", "广东省深圳市南山区科技园南区高新南七道12号", D(2022, 5, 9), 187000),
    ("xinyuan_sz", "00119", "深圳鑫源电子商务有限公司", mistyped("xinyuan_sz", 3, "5"), "黄涛", "13923456789.0", None,
     "huangtao@xinyuan-ec.com", "深圳市南山区高新南七道12号", "2022/5/9", 23000),
    ("tianrun_gz", "00120", "广州天润贸易有限公司", code("tianrun_gz"), "林婷", 13609876543, "020-38881234",
     "linting@tianrun-trade.com", "广东省广州市天河区天河路385号", "2019年1月5日", 64000),
    ("tianrun_gz", "00121", "天润贸易", None, "林婷", 13609876543, "(020)3888-1234", "linting@gmial.com", None,
     D(2019, 1, 5), 7000),
    ("hengtong_xm", "00122", "厦门恒通贸易有限公司", code("hengtong_xm"), "郑辉", 13850001111, "0592-5081234",
     "zhenghui@hengtong.com", "福建省厦门市思明区湖滨南路57号", "20170312", 51000),
    ("hengtong_xm", "00123", "廈門恒通貿易有限公司", code("hengtong_xm"), "鄭輝", 13850001111, None,
     "zhenghui@hengtong.com", "厦门市思明区湖滨南路57号", "2017/3/12", 12500),
    ("jincheng_cd", "00124", "成都锦程餐饮管理有限公司", code("jincheng_cd"), "杨洋", 18080001234, "028-85001234",
     "yangyang@jincheng-food.com", "四川省成都市武侯区人民南路四段1号", D(2023, 1, 5), 33000),
    ("yanda_cq", "00125", "重庆䶮达贸易有限公司", code("yanda_cq"), "刘䶮", 13308301234, "023-67001234",
     "liuyan@yanda-trade.com", "重庆市渝北区金开大道99号", "2024.06.30", 42000),
    ("dongfang_wh", "00126", "武汉东方建材股份有限公司", code("dongfang_wh"), "胡军", 13707101234, "027-87001234",
     "hujun@dongfang-jc.com", "湖北省武汉市洪山区珞喻路1037号", D(2016, 9, 1), 310000),
    ("dongfang_wh", "00127", "武汉东方建材股份公司", mistyped("dongfang_wh", 17, "X" if code("dongfang_wh")[17] != "X" else "Y"),
     "胡军", 13707101234, "027-87001234", "hujun@dongfang-jc.com", "武汉市洪山区珞喻路1037号", "2016年9月1日", 56000),
    ("kangyuan_cs", "00128", "长沙康源种植专业合作社", code("kangyuan_cs"), "何平", 19973101234, None,
     "1234567@qq.con", "湖南省长沙市岳麓区麓谷大道627号", "20200601", 18000),
    ("qihang_xa", "00129", "西安启航软件有限公司", code("qihang_xa"), "马超", 16629001234, "029-88661234",
     "machao@qihangsoft.com", "陕西省西安市雁塔区科技路48号", D(2021, 10, 10), 72000),
    ("qihang_xa", "00130", "西安启航软件有限公司", "", "马超", "166 2900 1234", "029-8866 1234", None,
     "西安市雁塔区科技路48号", "2021/10/10", "12,000.00"),
]
# 销售区域: (label, first data row index, last data row index) over WORKBOOK_ROWS, merged vertically.
REGION_BLOCKS = [("华北", 0, 7), ("华东", 8, 16), ("华南", 17, 22), ("西南", 23, 24), ("华中", 25, 27), ("西北", 28, 29)]
HEADER_ROW = 3
FIRST_DATA_ROW = 4

CONTACTS_HEADER = ["客户名称", "联系人", "职务", "手机", "邮箱", "备注"]
# (key, 客户名称, 联系人, 职务, 手机 (number or text), 邮箱, 备注)
CONTACT_ROWS: list[tuple] = [
    ("huaxin_bj", "北京华信科技有限公司", "张伟", "采购经理", 13800138000, "zhangwei@huaxin-tech.com", "主要对接人"),
    ("huaxin_bj", "华信科技", "王磊", "总经理", 13501234567, "wanglei@huaxin-tech.com", None),
    ("huaxin_bj", "华信（北京）科技有限公司", "赵敏", "财务", "010-62551234转602", "zhaomin@huaxin-tech.com", "开票联系"),
    ("zhiyuan_bj", "北京智远网络科技有限公司", "李娜", "运营总监", 13911112222, "lina@zhiyuan.cn", None),
    ("zhiyuan_bj", "智远网络", "王芳", "采购", 18612345678, "wangfang@zhiyuan.cn", "2024年新增"),
    ("mingguang_tj", "天津明光电气有限公司", "赵强", "总经理", 15122334455, "zhaoqiang@163.com", None),
    ("huaxin_sh", "上海华信科技有限公司", "陈静", "行政", 13761234567, "chenjing@shhuaxin.com", "与北京华信无关"),
    ("huaxin_bj_sh_branch", "北京华信科技有限公司上海分公司", "刘洋", "分公司负责人", 13661234568,
     "liuyang@huaxin-tech.com", None),
    ("hongda_hz", "杭州宏达建材有限公司", "吴敏", "销售经理", 13588889999, "wumin@hongdajc.com", None),
    ("jiaxiang_sz", "嘉祥（苏州）信息技术有限公司", "徐磊", "CTO", "+86 189 1234 5670", "xulei@jiaxiang-it.com", None),
    ("ruifeng_nj", "南京瑞丰企业管理咨询合伙企业（有限合伙）", "孙丽", "合伙人", 15850001234, "sunli@ruifeng.net", None),
    ("xinyuan_sz", "深圳市鑫源电子商务有限公司", "黄涛", "总经理", 13923456789, "huangtao@xinyuan-ec.com", None),
    ("xinyuan_sz", "深圳市鑫源电子商务有限公司", "黄涛", "总经理", 13923456789, "huangtao@xinyuan-ec.com", "重复录入"),
    ("tianrun_gz", "广州天润贸易有限公司", "林婷", "采购", 13609876543, "linting@tianrun-trade.com", None),
    ("hengtong_xm", "厦门恒通贸易有限公司", "郑辉", "老板", 13850001111, "zhenghui@hengtong.com", None),
    ("jincheng_cd", "成都锦程餐饮管理有限公司", "杨洋", "店长", 18080001234, None, "无邮箱"),
    ("yanda_cq", "重庆䶮达贸易有限公司", "刘䶮", "法人", 13308301234, "liuyan@yanda-trade.com", None),
    ("dongfang_wh", "武汉东方建材股份有限公司", "胡军", "副总", 13707101234, "hujun@dongfang-jc.com", None),
    ("kangyuan_cs", "长沙康源种植专业合作社", "何平", "社长", 19973101234, "1234567@qq.con", None),
    ("qihang_xa", "西安启航软件有限公司", "马超", "项目经理", 16629001234, "machao@qihangsoft.com", None),
]

# --- the legacy ERP export (GB18030) ------------------------------------------------------------

ERP_HEADER = ["客户编码", "客户名称", "税号", "电话", "地址", "建档日期"]
# (key, 客户编码, 客户名称, 税号, 电话, 地址, 建档日期)
ERP_ROWS: list[tuple] = [
    ("huaxin_bj", "C0001", "北京华信科技有限公司", code("huaxin_bj"), "010-62551234", "北京市海淀区中关村大街27号,3层",
     "2015-03-12"),
    ("huaxin_sh", "C0002", "上海华信科技有限公司", code("huaxin_sh"), "021-50801234", "上海市浦东新区张江路665号",
     "2016/7/1 0:00:00"),
    ("xinyuan_sz", "C0003", "深圳市鑫源电子商务有限公司", code("xinyuan_sz"), "13923456789",
     "广东省深圳市南山区科技园南区\n高新南七道12号", "2017-05-09"),
    ("hongda_hz", "C0004", "杭州宏達建材有限公司", old_tax_number("hongda_hz"), "0571-87651234", "浙江省杭州市西湖区文三路90号",
     "2012-04-20"),
    ("tianrun_gz", "C0005", "广州天润贸易有限公司", code("tianrun_gz"), "020-38881234", "广州市天河区天河路385号",
     "2019-01-05"),
    ("yanda_cq", "C0006", "重庆䶮达贸易有限公司", code("yanda_cq"), "023-67001234", "重庆市渝北区金开大道99号㐀栋",
     "2024-06-30"),
    ("jincheng_cd", "C0007", "成都锦程餐饮管理有限公司", code("jincheng_cd"), "028-85001234",
     "四川省成都市武侯区人民南路四段1号", "2023-01-05"),
    ("dongfang_wh", "C0008", "武汉东方建材股份有限公司", code("dongfang_wh"), "027-87001234",
     "湖北省武汉市洪山区珞喻路1037号", "2010-09-01"),
    ("qihang_xa", "C0009", "西安启航软件有限公司", code("qihang_xa"), "13900139000", "陕西省西安市雁塔区科技路48号",
     "2021-10-10"),
    ("haicheng_qd", "C0010", "青岛海诚物流有限公司", code("haicheng_qd"), "0532-88901234",
     "山东省青岛市崂山区海尔路178号", "2018-02-28"),
    ("haicheng_qd", "C0011", "青岛海诚物流", code("haicheng_qd").lower(), "0532 8890 1234", "青岛市崂山区海尔路178号",
     "2018/2/28 0:00:00"),
    ("hengtong_xm", "C0012", "厦门恒通贸易有限公司", old_tax_number("hengtong_xm"), "0592-5081234", "福建省厦门市思明区湖滨南路57号",
     "2008-03-12"),
    ("kangyuan_cs", "C0013", "长沙康源种植专业合作社", code("kangyuan_cs"), "19973101234", "湖南省长沙市岳麓区麓谷大道627号",
     "2020-06-01"),
    ("huaxin_sh_ec", "C0014", "上海华信电子商务有限公司", code("huaxin_sh_ec"), "17721234569", "上海市徐汇区宜山路700号",
     "2023-03-08"),
    ("ruifeng_nj", "C0015", "南京瑞丰企业管理咨询合伙企业（有限合伙）", "", "025-52341234",
     "江苏省南京市江宁区胜太路77号", "2020-08-17"),
    ("mingguang_tj", "C0016", "天津明光电气有限公司", code("mingguang_tj"), "022-66221188,15122334455",
     "天津市滨海新区黄海路19号", "2020-11-02"),
]

# --- the CRM leads export (Excel "Unicode Text") -----------------------------------------------

LEADS_HEADER = ["公司", "联系人", "手机", "邮箱", "来源", "创建时间"]
# (key or None for a company not in the other files, 公司, 联系人, 手机, 邮箱, 来源, 创建时间)
LEAD_ROWS: list[tuple] = [
    ("huaxin_bj", "华信科技", "张伟", "13800138000", "zhangwei@huaxin-tech.com", "官网", "2024/3/15 14:30"),
    ("xinyuan_sz", "深圳市鑫源电子商务有限公司", "黄涛", "+86 139 2345 6789", "huangtao@xinyuan-ec.com", "展会", "2024/3/16 9:05"),
    (None, "苏州工业园区新锐光电有限公司", "钱晨", "18662001234", "qianchen@xinrui-opto.com", "百度推广", "2024/3/18 10:12"),
    (None, "宁波港城国际物流有限公司", "沈浩", "13905741234", "shenhao@gangcheng.com", "转介绍", "2024/3/20 16:45"),
    ("huaxin_sh", "上海华信科技有限公司", "陈静", "137-6123-4567", "chenjing@shhuaxin.com", "电话营销", "2024/4/1 11:00"),
    ("jiaxiang_sz", "嘉祥(苏州)信息技术有限公司", "徐磊", "18912345670", "xulei@jiaxiang-it.com", "展会\"2024工博会\"", "2024/4/2 13:20"),
    (None, "合肥科创智能装备有限公司", "韦斌", "15556001234", "weibin@kczn.com", "官网", "2024/4/8 8:55"),
    ("tianrun_gz", "广州天润贸易", "林婷", "13609876543", "linting@gmial.com", "老客户", "2024/4/9 17:30"),
    (None, "郑州中原农机专业合作社", "宋刚", "13803711234", None, "地推", "2024/4/12 9:40"),
    ("qihang_xa", "西安启航软件有限公司", "马超", "16629001234", "machao@qihangsoft.com", "官网", "2024/4/15 15:15"),
    (None, "昆明滇池茶叶有限公司", "段丽", "13908711234", "duanli@dianchitea.cn", "微信公众号", "2024/4/18 10:00"),
    ("hengtong_xm", "廈門恒通貿易有限公司", "鄭輝", "13850001111", "zhenghui@hengtong.com", "展会", "2024/4/20 14:05"),
    (None, "长春一汽配套汽车零部件有限公司", "姜涛", "13504311234", "jiangtao@fawpt.com", "转介绍", "2024/4/22 11:11"),
    ("mingguang_tj", "天津明光电气", "赵强", "151 2233 4455", "zhaoqiang@163.com", "老客户", "2024/4/25 9:00"),
    (None, "哈尔滨冰城文化传媒有限公司", "冯雪", "18645101234", "fengxue@bingcheng-media.com", "百度推广", "2024/5/6 10:30"),
    ("kangyuan_cs", "长沙康源种植合作社", "何平", "19973101234", None, "地推", "2024/5/8 16:20"),
    (None, "南宁绿城环保科技有限公司", "韦华", "17707711234", "weihua@lvcheng-eco.com", "官网\t在线咨询", "2024/5/10 9:45"),
    ("yanda_cq", "重庆䶮达贸易有限公司", "刘䶮", "13308301234", "liuyan@yanda-trade.com", "电话营销", "2024/5/13 13:13"),
    (None, "石家庄华北制药设备有限公司", "曹军", "13931101234", "caojun@hbzy-equip.com", "展会", "2024/5/15 8:30"),
    (None, "兰州丝路商贸有限公司", "马瑞", "13919301234", "marui@silu-trade.com", "官网", "2024/5/20 12:00"),
]


def write_workbook(path: Path) -> None:
    """The sales team's workbook (openpyxl): title, note, header on row 3, merged regions, a total row, two sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "客户清单"
    last_col = len(WORKBOOK_HEADER)
    sheet.cell(1, 1, WORKBOOK_TITLE).font = Font(bold=True, size=16)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    sheet.cell(2, 1, WORKBOOK_NOTE)
    for c, name in enumerate(WORKBOOK_HEADER, start=1):
        sheet.cell(HEADER_ROW, c, name).font = Font(bold=True)
    region_col = WORKBOOK_HEADER.index("销售区域") + 1
    for i, (_, number, name, credit, contact, mobile, landline, email, address, date, amount) in enumerate(WORKBOOK_ROWS):
        r = FIRST_DATA_ROW + i
        values = [number, name, credit, contact, mobile, landline, email, address, date, None, amount]
        for c, value in enumerate(values, start=1):
            if value is not None and value != "":
                cell = sheet.cell(r, c, value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd"
    for label, first, last in REGION_BLOCKS:
        sheet.cell(FIRST_DATA_ROW + first, region_col, label)
        sheet.merge_cells(start_row=FIRST_DATA_ROW + first, start_column=region_col,
                          end_row=FIRST_DATA_ROW + last, end_column=region_col)
    total_row = FIRST_DATA_ROW + len(WORKBOOK_ROWS)
    amount_col = WORKBOOK_HEADER.index("合同金额") + 1
    sheet.cell(total_row, 1, "合计")
    sheet.cell(total_row, amount_col, f"=SUM(K{FIRST_DATA_ROW}:K{total_row - 1})")

    contacts = book.create_sheet("联系人")
    for c, name in enumerate(CONTACTS_HEADER, start=1):
        contacts.cell(1, c, name).font = Font(bold=True)
    for r, row in enumerate(CONTACT_ROWS, start=2):
        for c, value in enumerate(row[1:], start=1):
            if value is not None:
                contacts.cell(r, c, value)
    fixed = dt.datetime(2025, 1, 6, 9, 0, 0)
    book.properties.created = book.properties.modified = fixed
    book.properties.creator = "销售部"
    book.save(path)


def write_erp_csv(path: Path) -> None:
    """GB18030 CSV, CRLF, minimal quoting: a comma and a newline inside quoted fields, a non-GBK character."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ERP_HEADER)
    writer.writerows(row[1:] for row in ERP_ROWS)
    path.write_bytes(buffer.getvalue().encode("gb18030"))


def write_unicode_txt(path: Path) -> None:
    """Excel's "Unicode Text": UTF-16LE with BOM, tab-separated, CRLF, quotes only where needed."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n")
    writer.writerow(LEADS_HEADER)
    writer.writerows(["" if v is None else v for v in row[1:]] for row in LEAD_ROWS)
    path.write_bytes(b"\xff\xfe" + buffer.getvalue().encode("utf-16-le"))


def truth_rows() -> list[tuple[str, str, int, str]]:
    """(file, sheet, row, entity): the row a person sees in Excel; in a text file the record number
    counting the header as 1 (a record with an embedded newline spans two physical lines but is one record)."""
    rows = [(WORKBOOK, "客户清单", FIRST_DATA_ROW + i, r[0]) for i, r in enumerate(WORKBOOK_ROWS)]
    rows += [(WORKBOOK, "联系人", 2 + i, r[0]) for i, r in enumerate(CONTACT_ROWS)]
    rows += [(ERP_CSV, "", 2 + i, r[0]) for i, r in enumerate(ERP_ROWS)]
    rows += [(UNICODE_TXT, "", 2 + i, r[0] or f"lead_only_{i + 1}") for i, r in enumerate(LEAD_ROWS)]
    return rows


def write_truth(path: Path) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "sheet", "row", "entity", "registered_name", "credit_code"])
    for file, sheet, row, entity in truth_rows():
        name, credit = COMPANIES.get(entity, ("", ""))
        writer.writerow([file, sheet, row, entity, name, credit])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_samples(directory: str | Path) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / WORKBOOK, directory / ERP_CSV, directory / UNICODE_TXT, directory / TRUTH_CSV]
    write_workbook(paths[0])
    write_erp_csv(paths[1])
    write_unicode_txt(paths[2])
    write_truth(paths[3])
    return paths


if __name__ == "__main__":
    for written in write_samples(sys.argv[1] if len(sys.argv) > 1 else "samples"):
        print(written)
