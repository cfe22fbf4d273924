/**
 * 消息通知 at phone width: an applicant applies for the instant-approval item; the bell in the
 * header counts the unread notifications (受理, 秒批, 证照签发, 办结); the page lists them newest
 * first with links to the case and the licence; marking one read, then all, clears the count.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test } from './fixtures'
import { apply, ITEM_INSTANT, login, newPerson, openNav, registerAtL2, registerPerson } from './flows'

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

test('an applicant is notified of their case and reads the notifications', async ({ page, shot, newVisitor }) => {
  // At L2: the notification about the licence leads to it.
  const person = await registerAtL2(page, '郑通知')
  const bell = page.getByTestId('notification-bell')
  await expect(bell).toHaveAttribute('aria-label', '消息通知（无未读）')

  const caseNo = await apply(page, ITEM_INSTANT, {
    个体工商户名称: '郑通知小吃店',
    经营场所: '示范县人民路8号',
    经营范围: '小吃服务',
    '资金数额（万元）': '5',
  })
  await expect(page.getByTestId('case-status')).toHaveText('已办结')
  const licenseNo = (await page.getByTestId('case-license-no').textContent())!.trim()

  // The bell asks on every route change (and every 30 s): the four notifications arrive within seconds.
  await expect(async () => {
    await page.goto('/my/cases')
    await expect(bell).toHaveAttribute('aria-label', '消息通知（4 条未读）', { timeout: 2000 })
  }).toPass({ timeout: 45_000 })
  await expect(bell.locator('.badge')).toHaveText('4')
  await shot('铃铛显示未读数', page, { fullPage: false })

  await bell.click()
  await expect(page).toHaveURL(/\/my\/notifications$/)
  await expect(page.getByRole('heading', { name: '消息通知', level: 1 })).toBeVisible()
  const cards = page.getByTestId('notification')
  await expect(cards).toHaveCount(4)
  await expect(cards.locator('h2')).toHaveText([/办件已办结/, /电子证照已签发/, /申请已秒批通过/, /办件已受理/])
  await expect(cards.nth(3)).toContainText(`个体工商户设立登记」（办件编号 ${caseNo}）已受理`)
  await expect(cards.nth(1)).toContainText(licenseNo)
  await expect(page.getByTestId('unread-mark')).toHaveCount(4)
  await expect(page.getByTestId('unread-summary')).toHaveText('4 条未读')
  await shot('消息通知列表')
  const axe = await new AxeBuilder({ page })
    .include('main')
    .include('[data-testid="notification-bell"]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze()
  expect(axe.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`))).toEqual([])

  // One read: its mark goes, the bell counts three.
  await page.getByRole('button', { name: '将“办件已受理”标为已读' }).click()
  await expect(page.getByTestId('unread-mark')).toHaveCount(3)
  await expect(bell).toHaveAttribute('aria-label', '消息通知（3 条未读）')
  await expect(cards.nth(3)).not.toHaveClass(/unread/)

  await page.locator('label.el-radio-button', { hasText: '未读' }).click() // the radio '未读' is named by its label
  await expect(page.getByRole('radio', { name: '未读' })).toBeChecked()
  await expect(page).toHaveURL(/unread=true/)
  await expect(cards).toHaveCount(3)
  await shot('只看未读')

  await page.getByRole('button', { name: '全部标为已读' }).click()
  await expect(page.getByText('没有未读消息').first()).toBeVisible()
  await expect(bell).toHaveAttribute('aria-label', '消息通知（无未读）')
  await expect(bell.locator('.badge')).toHaveCount(0)
  await shot('全部已读')

  // The links lead to the licence and the case.
  await page.locator('label.el-radio-button', { hasText: '全部' }).click()
  await expect(cards).toHaveCount(4)
  await cards.nth(1).getByRole('link', { name: '查看证照' }).click()
  await expect(page).toHaveURL(new RegExp(`/licenses/${licenseNo}$`))
  await expect(page.getByTestId('license-qr')).toBeVisible()
  await page.goBack()
  await cards.nth(0).getByRole('link', { name: '查看办件' }).click()
  await expect(page).toHaveURL(new RegExp(`/cases/${caseNo}$`))
  await shot('从通知打开办件')

  // Another applicant has none of them.
  const other = await newVisitor({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  await registerPerson(other, newPerson('王旁观'))
  await other.goto('/my/notifications')
  await expect(other.getByText('暂无消息')).toBeVisible()
  await expect(other.getByTestId('notification-bell')).toHaveAttribute('aria-label', '消息通知（无未读）')
  await shot('另一申请人没有消息', other)

  // On a desktop the bell sits in the header beside the name, and the menu has the page too.
  const desktop = await newVisitor({ viewport: { width: 1280, height: 800 } })
  await login(desktop, person.idNumber, person.password)
  const desktopBell = desktop.getByTestId('notification-bell')
  await expect(desktopBell).toHaveAttribute('aria-label', '消息通知（无未读）')
  await openNav(desktop, '消息通知')
  await expect(desktop).toHaveURL(/\/my\/notifications$/)
  await expect(desktop.getByTestId('notification')).toHaveCount(4)
  await expect(desktop.getByTestId('unread-mark')).toHaveCount(0)
  await shot('桌面端消息通知', desktop)
})
