"""Curated word lists: readings, neutral-tone words, erhua exceptions.

These are our own lists of common words where the dictionaries or the model go wrong for speech, or where
a rule needs to know the word (neutral tone, 儿 that is not erhua).
"""

from __future__ import annotations

from typing import Final


def _readings(spec: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in spec.strip().splitlines():
        word, *syls = line.split()
        out[word] = syls
    return out


#: Word → reading overriding dictionary and model (frequent TTS errors).
WORD_READINGS: Final[dict[str, list[str]]] = _readings("""
银行 yin2 hang2
行长 hang2 zhang3
长发 chang2 fa4
头发 tou2 fa5
理发 li3 fa4
一行 yi4 hang2
音乐 yin1 yue4
快乐 kuai4 le4
还是 hai2 shi4
还有 hai2 you3
还要 hai2 yao4
重要 zhong4 yao4
重新 chong2 xin1
觉得 jue2 de5
睡觉 shui4 jiao4
得到 de2 dao4
记得 ji4 de5
了解 liao3 jie3
为了 wei4 le5
因为 yin1 wei4
作为 zuo4 wei2
成为 cheng2 wei2
认为 ren4 wei2
以为 yi3 wei2
地方 di4 fang1
地上 di4 shang5
的确 di2 que4
目的 mu4 di4
得很 de5 hen3
都是 dou1 shi4
朝阳 zhao1 yang2
朝代 chao2 dai4
调查 diao4 cha2
调整 tiao2 zheng3
传记 zhuan4 ji4
处理 chu3 li3
处长 chu4 zhang3
便宜 pian2 yi5
方便 fang1 bian4
背包 bei1 bao1
薄荷 bo4 he5
好奇 hao4 qi2
爱好 ai4 hao4
数字 shu4 zi4
参差 cen1 ci1
差不多 cha4 bu5 duo1
中奖 zhong4 jiang3
中肯 zhong4 ken3
着急 zhao2 ji2
看着 kan4 zhe5
睡着 shui4 zhao2
一会儿 yi2 hui4 er5
了不起 liao3 bu5 qi3
对不起 dui4 bu5 qi3
看不起 kan4 bu5 qi3
来不及 lai2 bu5 ji2
说不定 shuo1 bu5 ding4
怪不得 guai4 bu5 de5
巴不得 ba1 bu5 de5
舍不得 she3 bu5 de5
恨不得 hen4 bu5 de5
受不了 shou4 bu5 liao3
免不了 mian3 bu5 liao3
少不了 shao3 bu5 liao3
了结 liao3 jie2
了如指掌 liao3 ru2 zhi3 zhang3
一目了然 yi1 mu4 liao3 ran2
长大 zhang3 da4
成长 cheng2 zhang3
生长 sheng1 zhang3
长辈 zhang3 bei4
长期 chang2 qi1
长城 chang2 cheng2
重量 zhong4 liang4
重复 chong2 fu4
行业 hang2 ye4
行为 xing2 wei2
自行车 zi4 xing2 che1
发行 fa1 xing2
只有 zhi3 you3
一只 yi4 zhi1
随便 sui2 bian4
乐器 yue4 qi4
朝鲜 chao2 xian3
空调 kong1 tiao2
差别 cha1 bie2
出差 chu1 chai1
差点 cha4 dian3
多少 duo1 shao3
少年 shao4 nian2
好客 hao4 ke4
中毒 zhong4 du2
种子 zhong3 zi5
种类 zhong3 lei4
数学 shu4 xue2
数据 shu4 ju4
应该 ying1 gai1
应用 ying4 yong4
答应 da1 ying5
空间 kong1 jian1
空闲 kong4 xian2
难过 nan2 guo4
灾难 zai1 nan4
中间 zhong1 jian1
间接 jian4 jie1
更加 geng4 jia1
干净 gan1 jing4
干部 gan4 bu4
背景 bei4 jing3
曾经 ceng2 jing1
西藏 xi1 zang4
宝藏 bao3 zang4
正月 zheng1 yue4
看守 kan1 shou3
""")

#: Words whose last syllable is neutral in standard speech (beyond the particle/suffix rules).
NEUTRAL_WORDS: Final[frozenset[str]] = frozenset("""
东西 地方 先生 事情 时候 朋友 衣服 意思 窗户 豆腐 萝卜 明白 漂亮 清楚 舒服 告诉 知道 认识 喜欢 麻烦 关系
消息 休息 商量 打听 热闹 客气 事儿 头发 眼睛 耳朵 鼻子 嘴巴 脑袋 身子 屁股 胳膊 指甲 骨头 名字 生意
便宜 结实 老实 踏实 暖和 凉快 痛快 爽快 糊涂 聪明 厉害 利索 利落 马虎 啰嗦 月亮 星星 云彩 早上 晚上
大夫 丈夫 媳妇 姑娘 小伙子 亲戚 师傅 学生 队伍 招呼 打扮 收拾 琢磨 折腾
咳嗽 哆嗦 吩咐 嘱咐 委屈 笑话 念叨 唠叨 石头 木头 馒头 枕头 舌头 甜头 苦头 念头 码头 窝头 跟头 砖头 个头
故事 功夫 工夫 尾巴 哑巴 结巴 眉毛 玻璃 葡萄 蘑菇 算盘 包袱 风筝 喇叭 琵琶 钥匙 篱笆 行李 力气 脾气 福气 运气
道理 动静 规矩 交情 心思 含糊 疙瘩 狐狸 骆驼 刺猬 蛤蟆 苍蝇 庄稼 相声 稀罕 打算 合同 扫帚 笤帚 牲口 畜生 巴掌
买卖 记性 忘性 困难 觉得 记得 晓得 认得 舍得 本事 差事 使唤 吆喝 张罗 应酬 折腾 叨唠 拾掇 磨蹭 耽误 糟蹋
清楚 漂亮 体面 便宜 热闹 凉快 暖和 舒坦 硬朗 别扭 顺当 妥当 稳当 利索 麻利 勤快 爽快
""".split())

#: 东西 is "thing" (dong1 xi5) except in the direction sense, recognised by what follows.
DONGXI_DIRECTION: Final = ("方", "向", "走向", "两", "长", "宽", "部", "侧", "文化", "南北", "线", "轴", "贯",
                           "跨", "距", "对", "交", "合璧", "之间", "二", "三", "大")

#: Words of :data:`NEUTRAL_WORDS` that keep their full tone before these following words (other sense):
#: 东西 direction, 地方 "local" (地方政府 di4 fang1), 买卖 "buying and selling" (买卖双方).
NEUTRAL_EXCEPT_BEFORE: Final[dict[str, tuple[str, ...]]] = {
    "东西": DONGXI_DIRECTION,
    "地方": ("政府", "性", "官", "财政", "法规", "债", "经济", "党", "保护", "戏", "病", "志", "特色", "各级", "部门",
           "国企", "银行", "立法", "人大", "领导", "当局", "税", "高校", "主义", "割据", "武装", "选举", "自治"),
    "买卖": ("双方", "合同", "关系", "交易", "行为"),
}

#: 儿 in these words is a full syllable, not an r-suffix.
ERHUA_EXCEPTIONS: Final[frozenset[str]] = frozenset("""
儿子 女儿 儿童 儿女 儿科 儿孙 儿媳 婴儿 幼儿 幼儿园 孤儿 健儿 男儿 宠儿 胎儿 患儿 少儿 新生儿 混血儿 弄潮儿
托儿所 孤儿院 儿歌 儿时 儿戏 妻儿 侄儿 孙儿 育儿 小儿 犬儿 娇儿 乳儿 病儿 骄儿 孩儿 幸运儿 宁馨儿 流浪儿 私生儿
""".split())


#: Character classes used in :data:`CONTEXT_RULES` (``%NAME%``): characters before 得 that make a word with
#: it read dé (获得, 值得…), and characters after 地 that make a noun with it (地区, 地方…).
_CLASSES: Final = {
    "DE2": "获取赢求值懂免使舍晓博所习心自应难记觉显不",
    "DI4": "区方点球理下上面带位产址形质名震铁道毯图势域貌标块主盘基段表层壳平板利租税价权处窖",
}


def _context_rules(spec: str) -> dict[str, list[tuple[str, str, str]]]:
    """Parse ``char reading left-regex right-regex`` lines (``-`` = any context)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for name, chars in _CLASSES.items():
        spec = spec.replace(f"%{name}%", chars)
    for line in spec.strip().splitlines():
        ch, reading, left, right = line.split()
        out.setdefault(ch, []).append((reading, "" if left == "-" else left, "" if right == "-" else right))
    return out


#: Context rules for polyphonic characters, first match wins. ``left`` must match the text just before the
#: character, ``right`` the text just after it. Each encodes a general usage fact, e.g. 弄 is nòng except in
#: the lane sense (弄堂, 里弄).
CONTEXT_RULES: Final[dict[str, list[tuple[str, str, str]]]] = _context_rules("""
得 de5 [^%DE2%] (较|比较|很|非常|十分|更|太|极其|极为|特别|相当|越来越|过于|愈发|异常|颇)
地 de5 (性|然|般|样|式|断|渐|意|速|步|续|暗|默|悄|静|慢|快|切|真|热|轻|(.)\2) [^%DI4%]
当 dang4 (妥|恰|适|正|稳|失|允|勾|停|典|抵|便) [^中时前今地初场面年日局天然选作下即代家成]
弄 long4 - 堂
弄 long4 里 -
弄 long4 ([0-9零一二三四五六七八九十百千]|家|福|巷)$ -
弄 long4 - 口
弄 nong4 - -
尽 jin3 - (管|量|快|早|可能|先)
尽 jin3 - -$
尽 jin4 - -
划 hua2 - (船|桨|水|算|拳|不来|得来)
将 jiang4 (参|主|大|名|武|敌|守|副|战|猛|良|干|爱|老|上|中|少|宿|骁|悍|魏|蜀|吴|汉|楚|秦)$ [，。、；：！？）”]
将 jiang4 (参|主|大|名|武|敌|守|副|战|猛|良|干|宿|骁|悍|裨)$ (?!军)
差 cha1 (相|反|高|误|时|温|落|色|级|公|视|价|极|方|逆|剪|顺|等)$ -
差 cha1 - (别|异|距|错|额|价|值)
钻 zuan4 - (井|石|头|机|床|塔|戒)
传 zhuan4 (自|列|外|评|正|别|小|经|史|本|前|后|合|英雄)$ [^统播说递达闻承染输授入出来去开给]
传 zhuan4 - 记
弹 dan4 - (片|药|头|壳|道|丸|弓|坑|孔|夹)
盛 cheng2 - (饭|米|汤|菜|器)
刨 pao2 - (坑|地|土|根|出|开)
炸 zha2 - (鸡|酱|糕|丸|薯|鱼|虾|油条|春卷)
炸 zha2 油 -
吐 tu4 催 -
煞 sha1 - 车
杆 gan1 (旗|电线|栏|桅|标|摇|木|竹)$ -
杆 gan3 (驾驶|操纵|枪|笔|杠|秤|烟|球|连)$ -
相 xiang4 - 声
相 xiang4 (首|丞|宰|真|长|面|外|卖|照|变|扮|亮|色|皮|品|福|吉|凶|单|形)$ (?!互|同|信|处|似|比|对|当|关|近|等|继|差|识)
""")
