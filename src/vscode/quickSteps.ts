/**
 * Steps of a multi-step quick input (VS Code's own InputBox and QuickPick) with a Back button and
 * validation on the step that caused it. The step shown now is published for the extension-host
 * tests, which fill it in through the real API and accept it with VS Code's own command.
 */
import * as vscode from 'vscode';

export type StepResult<T> = { kind: 'value'; value: T } | { kind: 'back' } | { kind: 'cancel' };

export type Validation = string | vscode.InputBoxValidationMessage | undefined;

interface Common {
  title: string;
  step: number;
  totalSteps: number;
  back: boolean;
}

let current: vscode.QuickInput | undefined;
/** The quick input a multi-step command shows now, if any. */
export function currentStep(): vscode.QuickInput | undefined {
  return current;
}

export interface InputStep extends Common {
  value?: string;
  prompt: string;
  placeholder?: string;
  password?: boolean;
  validate: (value: string) => Validation;
  /** Extra buttons (e.g. Browse…); each may set the value. */
  buttons?: Array<{ button: vscode.QuickInputButton; run: () => Promise<string | undefined> }>;
}

export function inputStep(o: InputStep): Promise<StepResult<string>> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    let settled = false;
    const settle = (r: StepResult<string>): void => {
      if (settled) return;
      settled = true;
      resolve(r);
      box.hide();
    };
    box.title = o.title;
    box.step = o.step;
    box.totalSteps = o.totalSteps;
    box.value = o.value ?? '';
    box.prompt = o.prompt;
    box.placeholder = o.placeholder;
    box.password = o.password ?? false;
    box.ignoreFocusOut = true;
    box.buttons = [...(o.back ? [vscode.QuickInputButtons.Back] : []), ...(o.buttons ?? []).map((b) => b.button)];
    const check = (): Validation => {
      const v = o.validate(box.value);
      box.validationMessage = v;
      return v;
    };
    box.onDidChangeValue(check);
    box.onDidAccept(() => {
      const v = check();
      const blocking = typeof v === 'string' || (v !== undefined && v.severity === vscode.InputBoxValidationSeverity.Error);
      if (!blocking) settle({ kind: 'value', value: box.value });
    });
    box.onDidTriggerButton(async (b) => {
      if (b === vscode.QuickInputButtons.Back) return settle({ kind: 'back' });
      const extra = o.buttons?.find((x) => x.button === b);
      if (!extra) return;
      const value = await extra.run();
      if (value !== undefined) {
        box.value = value;
        check();
      }
      box.show();
    });
    box.onDidHide(() => {
      if (current === box) current = undefined;
      settle({ kind: 'cancel' });
      box.dispose();
    });
    current = box;
    box.show();
    if (box.value) check();
  });
}

export interface PickStep<T> extends Common {
  placeholder: string;
  items: Array<vscode.QuickPickItem & { value: T }>;
  /** The item shown active when the step opens (e.g. the previous answer after Back). */
  active?: T;
}

export function pickStep<T>(o: PickStep<T>): Promise<StepResult<T>> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
    let settled = false;
    const settle = (r: StepResult<T>): void => {
      if (settled) return;
      settled = true;
      resolve(r);
      qp.hide();
    };
    qp.title = o.title;
    qp.step = o.step;
    qp.totalSteps = o.totalSteps;
    qp.placeholder = o.placeholder;
    qp.items = o.items;
    qp.ignoreFocusOut = true;
    const active = o.items.find((i) => i.value === o.active);
    if (active) qp.activeItems = [active];
    qp.buttons = o.back ? [vscode.QuickInputButtons.Back] : [];
    qp.onDidTriggerButton((b) => {
      if (b === vscode.QuickInputButtons.Back) settle({ kind: 'back' });
    });
    qp.onDidAccept(() => {
      const picked = qp.selectedItems[0] ?? qp.activeItems[0];
      if (picked) settle({ kind: 'value', value: picked.value });
    });
    qp.onDidHide(() => {
      if (current === qp) current = undefined;
      settle({ kind: 'cancel' });
      qp.dispose();
    });
    current = qp;
    qp.show();
  });
}
