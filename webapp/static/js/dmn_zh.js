/*
 * dmn-js in Chinese (决策表编辑器中文): a `translate` module that replaces dmn-js's own one, like
 * bpmn-js's. window.dmnTranslateModules is [] outside the Chinese UI (the <html lang>), so the
 * English UI keeps dmn-js's English. Unknown strings pass through with their {placeholders} filled.
 */
(function () {
  'use strict';

  var ZH = {
    'Add cell description': '添加单元格说明', 'Add input': '添加输入', 'Add input column left': '在左侧添加输入列',
    'Add input column right': '在右侧添加输入列', 'Add output': '添加输出', 'Add output column left': '在左侧添加输出列',
    'Add output column right': '在右侧添加输出列', 'Add predefined values': '添加预定义值', 'Add rule': '添加规则',
    'Add rule above': '在上方添加规则', 'Add rule below': '在下方添加规则', 'Add values': '添加值',
    'After': '晚于', 'And': '且', 'Annotation': '注释', 'Annotations': '注释', 'Before': '早于', 'Between': '介于',
    'Boolean value': '布尔值', 'Change cell expression language': '更改单元格表达式语言',
    'Clear predefined values': '清除预定义值', 'Comparison': '比较', 'Comparison operator': '比较运算符',
    'Copy input column': '复制输入列', 'Copy output column': '复制输出列', 'Copy rule': '复制规则',
    'Custom values': '自定义值', 'Cut input column': '剪切输入列', 'Cut output column': '剪切输出列',
    'Cut rule': '剪切规则', 'Date': '日期', 'Date and time': '日期时间', 'Date and time value': '日期时间值',
    'Date value': '日期值', 'Decision name': '决策名称', 'Decision name: ': '决策名称：', 'Definition ID': '定义编号',
    'Definition name': '定义名称', 'Duration value': '时长值', 'Edit': '编辑', 'Edit boolean': '编辑布尔值',
    'Edit date': '编辑日期', 'Edit date and time': '编辑日期时间', 'Edit duration': '编辑时长',
    'Edit end date': '编辑结束日期', 'Edit end date and time': '编辑结束日期时间', 'Edit end time': '编辑结束时间',
    'Edit input': '编辑输入', 'Edit number': '编辑数字', 'Edit output': '编辑输出', 'Edit start date': '编辑开始日期',
    'Edit start date and time': '编辑开始日期时间', 'Edit start time': '编辑开始时间', 'Edit string': '编辑文本',
    'Edit time': '编辑时间', 'Editing not supported for set expression language': '该表达式语言不支持编辑',
    'End date': '结束日期', 'End date and time': '结束日期时间', 'End time': '结束时间', 'End value': '结束值',
    'Enter expression': '输入表达式', 'Equals': '等于', 'Exactly': '恰好', 'Exclude': '排除', 'Expression': '表达式',
    'Expression language': '表达式语言', 'Expression language:': '表达式语言：',
    'Expression language: {expressionLanguageLabel}': '表达式语言：{expressionLanguageLabel}',
    'Greater': '大于', 'Greater or equals': '大于等于', 'Hit policy': '命中策略', 'Hit policy:': '命中策略：',
    'Include': '包含', 'Input': '输入', 'Input expression': '输入表达式', 'Input expression: ': '输入表达式：',
    'Input label': '输入标签', 'Input label: ': '输入标签：', 'Input type': '输入类型', 'Input values': '输入值',
    'Less': '小于', 'Less or equals': '小于等于', 'Literal expression': '字面表达式',
    'Literal expression editor': '字面表达式编辑器', 'Match none': '不匹配', 'Match one': '匹配其一',
    'Move rule': '移动规则', 'No': '否', 'No values': '无值', 'Output': '输出', 'Output label': '输出标签',
    'Output label: ': '输出标签：', 'Output name': '输出名称', 'Output name: ': '输出名称：', 'Output type': '输出类型',
    'Output values': '输出值', 'Paste input column left': '在左侧粘贴输入列', 'Paste input column right': '在右侧粘贴输入列',
    'Paste output column left': '在左侧粘贴输出列', 'Paste output column right': '在右侧粘贴输出列',
    'Paste rule above': '在上方粘贴规则', 'Paste rule below': '在下方粘贴规则', 'Predefined values': '预定义值',
    'Range': '范围', 'Range end operator': '范围结束运算符', 'Range end value': '范围结束值',
    'Range start operator': '范围开始运算符', 'Range start value': '范围开始值', 'Remove cell description': '删除单元格说明',
    'Remove input column': '删除输入列', 'Remove output column': '删除输出列', 'Remove rule': '删除规则',
    'Resize': '调整大小', 'Search in diagram': '在图中搜索', 'Set date': '设置日期', 'Set date and time': '设置日期时间',
    'Set duration': '设置时长', 'Set time': '设置时间', 'Set value': '设置值', 'Start date': '开始日期',
    'Start date and time': '开始日期时间', 'Start time': '开始时间', 'Start value': '开始值', 'String value': '文本值',
    'Strings must be in double quotes': '文本须放在双引号内', 'Test type': '判断方式', 'Then': '则', 'Time': '时间',
    'Time value': '时间值', 'Type': '类型', 'Use now': '使用当前时间', 'Use today': '使用今天', 'Value': '值',
    'Values': '值', 'Variable name': '变量名', 'Variable name:': '变量名：', 'Variable type': '变量类型',
    'Variable type:': '变量类型：', 'View DRD': '查看决策需求图', 'When': '当', 'Yes': '是',
    'e.g. { example } ': '例如 { example } ', 'e.g. { sample }': '例如 { sample }', 'name': '名称',
    // hit policies
    'Unique': '唯一', 'First': '首个', 'Priority': '优先级', 'Any': '任一', 'Collect': '收集',
    'Rule order': '规则顺序', 'Output order': '输出顺序'
  };

  function translate(template, replacements) {
    var text = Object.prototype.hasOwnProperty.call(ZH, template) ? ZH[template] : template;
    return text.replace(/{([^}]+)}/g, function (whole, key) {
      return replacements && Object.prototype.hasOwnProperty.call(replacements, key) ? replacements[key] : whole;
    });
  }

  window.dmnTranslate = translate;
  var chinese = (document.documentElement.getAttribute('lang') || '').indexOf('zh') === 0;
  window.dmnTranslateModules = chinese ? [{ translate: ['value', translate] }] : [];
}());
