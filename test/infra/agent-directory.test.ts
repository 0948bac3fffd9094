/** The agent directory's CSV reader: header names in English or Chinese, clear errors naming file and line. */
import { describe, expect, it } from 'vitest';
import { agentLabel, parseAgentCsv } from '../../infra/agent-directory.js';

describe('agent directory CSV', () => {
  it('reads id, name and team by header name, in any order, with a BOM and extra columns', () => {
    expect(parseAgentCsv('\uFEFF姓名,备注,工号,班组/线路\n王芳,x,A017,婚姻登记\n李强,,A023,\n', 'staff.csv')).toEqual([
      { agentId: 'A017', name: '王芳', team: '婚姻登记' },
      { agentId: 'A023', name: '李强', team: '' },
    ]);
    expect(parseAgentCsv('id,name\nA1,"Wang, Fang"\n', 'staff.csv')).toEqual([{ agentId: 'A1', name: 'Wang, Fang', team: '' }]);
  });

  it('refuses a file without the columns, an empty name, or an id listed twice, naming file and line', () => {
    expect(() => parseAgentCsv('编号,名字\nA1,王芳\n', 'staff.csv')).toThrow(/staff\.csv:1: the header needs an id column/);
    expect(() => parseAgentCsv('id,name\nA1,王芳\nA2,\n', 'staff.csv')).toThrow(/staff\.csv:3: id and name must not be empty/);
    expect(() => parseAgentCsv('id,name\nA1,王芳\nA1,李强\n', 'staff.csv')).toThrow(/staff\.csv:3: agent id A1 is listed twice/);
    expect(() => parseAgentCsv('id,name\n"A1,王芳\n', 'staff.csv')).toThrow(/staff\.csv: not a CSV file/);
  });

  it('labels an agent by name with the id, or the id alone when unknown', () => {
    expect(agentLabel('A017', { A017: { name: '王芳' } })).toBe('王芳（A017）');
    expect(agentLabel('A999', { A017: { name: '王芳' } })).toBe('A999');
  });
});
